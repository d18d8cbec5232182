"""The signing secret: generated once into the data directory, shared by the server and `mall token`."""

import subprocess
import sys
from pathlib import Path

from mall_api.auth import Tokens, load_secret


def test_generated_secret_is_kept_and_reused(tmp_path: Path) -> None:
    first = load_secret(None, tmp_path)
    assert len(first) >= 32
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600
    assert load_secret(None, tmp_path) == first
    assert load_secret("configured", tmp_path) == "configured"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret"]


def test_mall_token_signs_with_the_data_dir_secret(tmp_path: Path) -> None:
    mall = str(Path(sys.executable).with_name("mall"))
    env = {"MALL_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([mall, "token", "supplier", "S9"], env=env, capture_output=True, text=True, check=True)
    principal = Tokens(load_secret(None, tmp_path)).verify(out.stdout.strip())
    assert principal is not None and (principal.role, principal.id) == ("supplier", "S9")
    assert Tokens("another secret entirely, long enough").verify(out.stdout.strip()) is None
