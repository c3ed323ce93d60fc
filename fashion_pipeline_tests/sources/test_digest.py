import hashlib

from fashion_pipeline.sources.digest import file_sha256


def test_file_sha256_matches_hashlib_whatever_the_chunk_size(tmp_path):
    data = bytes(range(256)) * 41 + b"tail"
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert file_sha256(path) == expected
    assert file_sha256(str(path), chunk=7) == expected
    path.write_bytes(data + b"!")
    assert file_sha256(path) != expected
