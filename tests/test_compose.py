"""compose.yaml, the .env template, the lock and the base image as a term's operation needs them (issue 16 items 3, 5, 7).

No Docker engine (nor Compose) runs here: compose.yaml is read as YAML, and the rules Compose applies
to it (interpolation of ${VAR:?...} and ${VAR:-default}, the project name in volume names) are
applied by hand to check what the README tells an operator to type.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from test_docker import ENTRYPOINT, arguments, dockerignored

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
STRIDE, PROXY = COMPOSE["services"]["stride"], COMPOSE["services"]["proxy"]
README = (ROOT / "README.md").read_text()
ENV_EXAMPLE = ROOT / "docker" / "env.example"


def _interpolated(text: str) -> dict[str, str]:
    """Return {variable: how} for each ${VAR...} Compose replaces: "?" (required), "-" (has a default), "" (plain)."""
    return {name: how for name, how in re.findall(r"\$\{(\w+)(?::([?-]))?", text)}


def _env_file(path: Path) -> dict[str, str]:
    """Read a .env file the way Compose does for these lines: KEY=value, 'single quotes' kept literal."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            if value.startswith("'") and value.endswith("'"):
                value = value[1:-1]
            else:
                assert "$" not in value, f"{key}: a $ outside single quotes is expanded by Compose"
            values[key.strip()] = value
    return values


def test_the_project_has_a_fixed_name_and_the_readme_names_its_volumes_correctly():
    assert COMPOSE["name"] == "stride"
    for volume in COMPOSE["volumes"]:
        assert f"{COMPOSE['name']}_{volume}" in README or volume.startswith("caddy-config"), volume
    assert "stride_stride-data" in (ROOT / "compose.yaml").read_text()


def test_the_stride_service_keeps_its_host_name_and_runs_under_init():
    assert STRIDE["hostname"] == "stride"  # runs record it: the same after every recreate
    assert STRIDE["init"] is True
    assert STRIDE["environment"]["STRIDE_SHARED_STORE"] == "0"
    assert STRIDE["environment"]["STRIDE_BEHIND_PROXY"] == "1"  # students come through Caddy only


def test_both_services_rotate_their_logs_and_know_the_time_zone():
    for service in (STRIDE, PROXY):
        logging = service["logging"]
        assert logging["driver"] == "json-file"
        assert re.fullmatch(r"\d+m", logging["options"]["max-size"]) and int(logging["options"]["max-file"]) >= 2
        assert service["environment"]["TZ"] == "${TZ:-UTC}"


def test_the_app_has_a_read_only_root_with_a_tmpfs_and_a_data_volume():
    assert STRIDE["read_only"] is True
    assert any(t.split(":")[0] == "/tmp" for t in STRIDE["tmpfs"])
    (volume,) = arguments("VOLUME")
    assert f"stride-data:{volume}" in STRIDE["volumes"]


def test_streamlit_is_published_on_the_loopback_only_and_the_proxy_hides_its_metrics():
    assert all(port.startswith("127.0.0.1:") for port in STRIDE["ports"]), STRIDE["ports"]
    caddyfile = (ROOT / "docker" / "Caddyfile").read_text()
    assert "@metrics path /_stcore/metrics*" in caddyfile and "respond @metrics 404" in caddyfile
    assert "STRIDE_SITE" in STRIDE["environment"]  # Streamlit's allowed host and address come from it
    assert "--server.allowedHosts" in ENTRYPOINT.read_text() and "--browser.serverAddress" in ENTRYPOINT.read_text()


def test_images_are_tagged_by_version():
    assert STRIDE["image"] == "stride:${STRIDE_VERSION:-latest}"


def test_the_env_template_sets_every_required_variable_and_quotes_the_password():
    required = {name for name, how in _interpolated((ROOT / "compose.yaml").read_text()).items() if how == "?"}
    assert required == {"STRIDE_TEACHER_PASSWORD", "STRIDE_SITE"}
    values = _env_file(ENV_EXAMPLE)
    assert required <= set(values)
    assert ENV_EXAMPLE.read_text().count("STRIDE_TEACHER_PASSWORD='") == 1
    assert len(values["STRIDE_TEACHER_PASSWORD"]) >= 10
    optional = {name for name, how in _interpolated((ROOT / "compose.yaml").read_text()).items() if how == "-"}
    documented = set(re.findall(r"^#?(\w+)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))
    assert optional - {"STRIDE_LOCAL_PORT"} <= documented  # TZ, STRIDE_TLS, STRIDE_VERSION


def test_a_password_with_dollars_survives_single_quotes(tmp_path):
    env = tmp_path / ".env"
    env.write_text("STRIDE_TEACHER_PASSWORD='pa$$w0rd-$HOME'\n")
    assert _env_file(env)["STRIDE_TEACHER_PASSWORD"] == "pa$$w0rd-$HOME"
    env.write_text("STRIDE_TEACHER_PASSWORD=pa$$w0rd-$HOME\n")
    with pytest.raises(AssertionError, match="expanded by Compose"):
        _env_file(env)


def test_secrets_and_backups_stay_out_of_git_and_of_the_image():
    gitignore = (ROOT / ".gitignore").read_text().split()
    assert ".env" in gitignore and "backups/" in gitignore
    assert dockerignored(".env") and dockerignored("backups/stride-runs-1.tar.gz")
    assert not dockerignored("docker/env.example")


def test_the_base_image_is_pinned_by_digest():
    (base,) = arguments("FROM")
    assert re.fullmatch(r"python:3\.11-slim@sha256:[0-9a-f]{64}", base), base


def test_the_lock_pins_every_pypi_requirement_with_hashes_and_no_cuda_package():
    lock = (ROOT / "requirements.lock").read_text()
    assert lock.startswith("# This file was autogenerated by uv") and "--generate-hashes" in lock.splitlines()[1]
    entries = re.findall(
        r"^([a-z0-9][a-z0-9._-]*)==([^\s\\]+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}.*\n)+)", lock, re.M
    )
    locked = {name: version for name, version, _ in entries}
    assert len(entries) == len(re.findall(r"^[a-z0-9]", lock, flags=re.MULTILINE))  # every package has hashes
    assert not [n for n in locked if n in ("torch", "torchvision", "triton") or n.startswith(("nvidia-", "cuda-"))]
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if match := re.match(r"^([a-z0-9_-]+)==([\w.]+)", line):
            name, version = match.groups()
            assert name in ("torch", "torchvision") or locked.get(name) == version, name
    assert re.match(r"12\.", locked["pillow"])  # pillow>=12.2,<13
    for dependency in ("sympy", "networkx", "jinja2", "fsspec", "filelock", "typing-extensions"):
        assert dependency in locked  # what the CPU torch wheel, installed without dependencies, needs
    assert "requirements.lock" in {a for rest in arguments("COPY") for a in rest.split()}
    assert not dockerignored("requirements.lock")
