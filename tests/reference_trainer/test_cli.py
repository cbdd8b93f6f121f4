"""The command line's cheap paths (no training)."""

import pytest

from reference_trainer.__main__ import main
from reference_trainer.scenarios import SCENARIOS


def test_list_names_every_scenario(capsys):
    assert main(["--list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == [s.name for s in SCENARIOS]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--out", "x", "--scenario", "nope"], "unknown scenario(s): nope"),
        ([], "--out is required"),
    ],
)
def test_usage_errors_exit_2_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_scenario_names_are_unique():
    names = [s.name for s in SCENARIOS]
    assert len(names) == len(set(names))
