from analyzer.errors import EmptyLogError, InputError, LimitExceededError, ParseError


def test_message_names_file_line_column_and_expectation():
    err = ParseError("'abc' is not a number", source="metrics.csv", line=7, field="val_loss")
    assert str(err) == "metrics.csv: line 7: column 'val_loss': 'abc' is not a number"
    assert isinstance(err, InputError)
    assert err.reason == "MALFORMED_INPUT"


def test_record_and_field_without_line():
    err = ParseError("expected a number", source="h.json", field="history.loss[3]")
    assert str(err) == "h.json: field 'history.loss[3]': expected a number"
    assert str(ParseError("bad crc", source="ev", record=12)) == "ev: record 12: bad crc"


def test_with_source_fills_only_a_missing_source():
    err = EmptyLogError("no numbers", line=2)
    named = err.with_source("a.csv")
    assert str(named) == "a.csv: line 2: no numbers"
    assert isinstance(named, EmptyLogError)
    assert named.with_source("b.csv") is named
    assert LimitExceededError("too big").reason == "LIMIT_EXCEEDED"
