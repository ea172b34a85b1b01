"""Every malformed manifest of the corpus, applied to a live cluster, raises a
SpecError with the expected field path and leaves the cluster unchanged."""
import glob
import os

import pytest

import kstate

BAD = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "data", "bad", "*.yaml")))


def _expected_path(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("# expect:"):
            return line.split(":", 1)[1].strip()
        if line.startswith("# expect-path:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("corpus file without an `# expect:` line")


@pytest.fixture(scope="module")
def cluster():
    c = kstate.Cluster(nodes=2, seed=3)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "existing"},
             "spec": {"containers": [{"name": "a", "image": "x"}]}})
    c.advance("5s")
    return c


@pytest.mark.parametrize("path", BAD, ids=[os.path.basename(p) for p in BAD])
def test_bad_manifest_apply_changes_nothing(cluster, path):
    text = open(path, encoding="utf-8").read()
    before = cluster.snapshot()
    with pytest.raises(kstate.SpecError) as e:
        cluster.apply_file(path)
    assert e.value.path == _expected_path(text)
    with pytest.raises(kstate.SpecError):
        cluster.apply(text)
    assert cluster.snapshot() == before


def test_corpus_is_big_enough():
    assert len(BAD) >= 30
