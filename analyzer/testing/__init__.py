"""Test utilities shared by the test suite and the benchmarks: synthetic runs with known ground
truth (:mod:`.synthetic`), the rules other tools use (:mod:`.baselines`) and the scoring of a
detector set against the ground truth (:mod:`.scoring`)."""
