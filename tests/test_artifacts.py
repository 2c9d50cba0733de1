"""The compiled artifacts shipped in kp_py/artifacts are exactly what the pinned compiler builds."""

import pytest

from kp_py import _build


@pytest.mark.slow
def test_shipped_artifacts_match_a_fresh_build():
    fresh = _build.compile_contracts()
    for name, artifact in fresh.items():
        shipped = (_build.ARTIFACTS / f"{name}.json").read_text()
        assert shipped == _build.render(artifact), (
            f"kp_py/artifacts/{name}.json is stale: run `make artifacts`"
        )


def test_compiler_is_the_pinned_version():
    assert _build._version_of(_build.solc_binary()) == _build.SOLC_VERSION


def test_runtime_code_fits_the_contract_size_limit():
    """EIP-170: 24,576 bytes of runtime code at most."""
    import json

    for name in _build.CONTRACTS:
        artifact = json.loads((_build.ARTIFACTS / f"{name}.json").read_text())
        assert (len(artifact["deployedBytecode"]) - 2) // 2 <= 24_576
