import gzip
import io

import pytest

from analyzer.errors import EmptyLogError, InputError, LimitExceededError
from analyzer.ingest.base import IngestLimits
from analyzer.ingest.sources import resolve

LIMITS = IngestLimits()


def test_bytes_with_and_without_a_name():
    assert resolve(b"x", filename="h.json", limits=LIMITS).files[0].name == "h.json"
    assert resolve(b"x", filename=None, limits=LIMITS).files[0].name == "<bytes>"
    [f] = resolve(("named.csv", b"abc"), filename=None, limits=LIMITS).files
    assert (f.name, f.data) == ("named.csv", b"abc")


def test_stream_and_list_of_paths(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"1")
    b.write_bytes(b"2")
    files = resolve([a, str(b)], filename=None, limits=LIMITS).files
    assert [f.data for f in files] == [b"1", b"2"]
    [f] = resolve(io.BytesIO(b"zz"), filename="s.txt", limits=LIMITS).files
    assert (f.name, f.data) == ("s.txt", b"zz")


def test_single_file_keeps_its_parent_folder_for_split_hints(tmp_path):
    path = tmp_path / "validation" / "events.out.tfevents.1"
    path.parent.mkdir()
    path.write_bytes(b"x")
    [f] = resolve(path, filename=None, limits=LIMITS).files
    assert f.relative_path == "validation/events.out.tfevents.1"


def test_missing_file_and_size_limit(tmp_path):
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        resolve(tmp_path / "nope.csv", filename=None, limits=LIMITS)
    big = tmp_path / "big.csv"
    big.write_bytes(b"0" * 100)
    with pytest.raises(LimitExceededError, match="100 bytes; the limit is 10 bytes"):
        resolve(big, filename=None, limits=IngestLimits(max_bytes=10))


def test_gzip_is_decompressed_within_the_limit():
    data = gzip.compress(b"epoch,loss\n0,1\n")
    [f] = resolve(data, filename="log.csv.gz", limits=LIMITS).files
    assert (f.name, f.data) == ("log.csv", b"epoch,loss\n0,1\n")
    bomb = gzip.compress(b"0" * 10_000)
    with pytest.raises(LimitExceededError, match="decompresses to more than"):
        resolve(bomb, filename="b.gz", limits=IngestLimits(max_bytes=1000))
    with pytest.raises(InputError, match="truncated"):
        resolve(data[:12], filename="cut.gz", limits=LIMITS)
    with pytest.raises(InputError, match="cannot be decompressed"):
        resolve(data[:10] + b"\xff" * 20, filename="bad.gz", limits=LIMITS)


def test_directory_walk_picks_logs_and_respects_limits(tmp_path):
    (tmp_path / "run" / "train").mkdir(parents=True)
    (tmp_path / "run" / "train" / "events.out.tfevents.1.host").write_bytes(b"e")
    (tmp_path / "run" / "model.ckpt").write_bytes(b"weights")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.csv").write_bytes(b"h")
    resolved = resolve(tmp_path, filename=None, limits=LIMITS)
    assert resolved.from_directory
    assert [f.relative_path for f in resolved.files] == ["run/train/events.out.tfevents.1.host"]
    (tmp_path / "run" / "a.csv").write_bytes(b"1")
    with pytest.raises(LimitExceededError, match="more than 1 log files"):
        resolve(tmp_path, filename=None, limits=IngestLimits(max_files=1))


def test_empty_directory_and_empty_list(tmp_path):
    with pytest.raises(EmptyLogError, match="holds no training logs"):
        resolve(tmp_path, filename=None, limits=LIMITS)
    with pytest.raises(EmptyLogError, match="no input files"):
        resolve([], filename=None, limits=LIMITS)
