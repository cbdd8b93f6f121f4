"""Reference trainer: seeded TensorFlow/Keras and scikit-learn runs that reproduce the articles'
example programs and show each training phenomenon for real, written in every log format the
analyzer reads, with a manifest of what each curve shows. Run ``python -m reference_trainer``.
"""
