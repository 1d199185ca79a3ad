"""The tasks' logic, with invoke's MockContext standing in for the shell."""

import re
import sys
import zipfile
from pathlib import Path

from invoke import Config, MockContext, Result

import tasks


def context(dist: Path) -> MockContext:
    config = Config(runtime_path=str(Path(tasks.__file__).with_name("invoke.yaml")))
    config.load_runtime()
    config["dist"] = str(dist)
    return MockContext(config=config, run=Result(), repeat=True)


def test_build_makes_each_layer_for_the_lambda_platform_and_zips_functions(tmp_path: Path, capsys) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in ("lookout-equipment", "data-science"):
        (dist / f"layer-{name}.zip").write_bytes(b"layer built by create-layer.sh")
    c = context(dist)

    tasks.build(c, runtime="python3.13", architecture="arm64")

    commands = [call.args[0] for call in c.run.call_args_list]
    assert len(commands) == 2
    library, science = commands
    assert "create-layer.sh -o" in library and "-r python3.13 -a arm64" in library
    assert "layers/lookout-equipment/python" in library and "jinja2==" in library
    assert "pandas==" in science and "python-dateutil==2." in science and "-x" not in science
    printed = capsys.readouterr().out.splitlines()
    function_zips = sorted(path.name for path in dist.glob("function-*.zip"))
    assert function_zips == sorted(f"function-{folder.name}.zip" for folder in tasks.function_folders())
    assert len(printed) == 2 + len(function_zips) + (1 if (dist / "canary-dashboard-snapshot.zip").exists() else 0)
    assert all(len(line.split()[0]) == 64 for line in printed)


def test_architecture_defaults_come_from_invoke_yaml(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in ("lookout-equipment", "data-science"):
        (dist / f"layer-{name}.zip").write_bytes(b"x")
    c = context(dist)

    tasks.build(c)

    assert all("-r python3.13 -a arm64" in call.args[0] for call in c.run.call_args_list)


def test_bench_builds_the_layers_for_this_machine_once_and_measures_with_them(tmp_path: Path, monkeypatch) -> None:
    import shlex
    import sys

    from tools import bench

    monkeypatch.setattr(bench.layers, "CACHE", tmp_path / "cache")
    benched = []
    monkeypatch.setattr(bench, "run_bench", lambda *args: benched.append(args))
    c = context(tmp_path / "dist")

    def create_layer(command: str, **_) -> Result:
        words = shlex.split(command)
        with zipfile.ZipFile(words[words.index("-o") + 1], "w") as archive:
            archive.writestr("python/packages.txt", command)
        return Result()

    c.run.side_effect = create_layer

    tasks.bench(c, size="small", widgets="list-models,model-anomalies", source="sitewise", fleets="10,100")
    tasks.bench(c, size="small")

    commands = [call.args[0] for call in c.run.call_args_list]
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert len(commands) == 2 and all(f"-r {runtime} -a {bench.HOST_PLATFORM[1]}" in command for command in commands)
    assert "layers/lookout-equipment/python" in commands[0] and "matplotlib==" in commands[1]
    (size, output, widgets, zips, _, sources, fleet_sizes), again = benched
    assert (size, widgets, again[2]) == ("small", ("list-models", "model-anomalies"), ())
    assert fleet_sizes == (10, 100) and again[6] == (10, 100, 1000)
    assert sources == ("sitewise",) and again[5] == ("lookout", "sitewise")
    assert output == tasks.ROOT / "bench" / "results.md"
    assert [zipfile.ZipFile(path).read("python/packages.txt").decode() for path in zips] == commands
    assert again[3] == zips


def test_probe_sitewise_asks_with_the_profiles_credentials_and_region_and_prints_the_report(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    import boto3

    from tools import probe_sitewise

    (tmp_path / "config").write_text("[profile plant]\nregion = eu-north-1\n")
    (tmp_path / "credentials").write_text("[plant]\naws_access_key_id = a\naws_secret_access_key = b\n")
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    asked = []

    def probe(client, **options):
        asked.append((client.meta.region_name, client.meta.service_model.service_name, options))
        return probe_sitewise.Report(["header"], []), None

    monkeypatch.setattr(probe_sitewise, "probe", probe)
    c = context(tmp_path / "dist")

    tasks.probe_sitewise(c, profile="plant", model="m-1", max_models=2)
    tasks.probe_sitewise(c, region="ap-southeast-2", profile="plant")

    assert asked == [
        ("eu-north-1", "iotsitewise", {"model_id": "m-1", "max_models": 2}),
        ("ap-southeast-2", "iotsitewise", {"model_id": "", "max_models": 5}),
    ]
    assert capsys.readouterr().out.count("# IoT SiteWise anomaly detection: probe report") == 2
    assert not c.run.call_args_list  # nothing runs in a shell


def test_lint_runs_the_pinned_checkov_from_its_own_virtualenv_made_quietly_once_per_pin(
    tmp_path: Path, monkeypatch
) -> None:
    venv = tmp_path / "venv-checkov"
    monkeypatch.setattr(tasks, "CHECKOV_VENV", venv)
    c = context(tmp_path / "dist")

    def run(command: str, **_) -> Result:
        if " -m venv " in command:
            (venv / "bin").mkdir(parents=True, exist_ok=True)
            (venv / "bin" / "checkov").write_text("")
        return Result()

    c.run.side_effect = run
    pin = c.config.checkov
    assert re.fullmatch(r"checkov==\d+\.\d+\.\d+", pin)

    tasks.lint(c)
    first = list(c.run.call_args_list)
    tasks.lint(c)
    c.config.checkov = "checkov==99.0.0"
    tasks.lint(c)

    commands = [call.args[0] for call in c.run.call_args_list]
    made = [call for call in c.run.call_args_list if " -m venv --clear " in call.args[0]]
    installs = [call for call in c.run.call_args_list if " -m pip install " in call.args[0]]
    assert len(made) == 2 and all(call.kwargs["hide"] for call in made + installs), "quiet unless it fails"
    installed = [call.args[0] for call in installs]
    assert [command.split()[-1] for command in installed] == [pin, "checkov==99.0.0"]
    assert all(command.startswith(f"{venv}/bin/python ") and "--quiet" in command for command in installed)
    checks = [command for command in commands if command.startswith(f"{venv / 'bin' / 'checkov'} ")]
    assert len(checks) == 3
    assert f"--config-file {tasks.ROOT / '.checkov.yaml'}" in checks[0]
    assert f"--directory {tasks.ROOT / 'cloudformation'}" in checks[0]
    assert [command.split()[0] for command in commands[: len(first)]] == [
        "ruff",
        "ruff",
        "cfn-lint",
        sys.executable,
        f"{venv}/bin/python",
        str(venv / "bin" / "checkov"),
    ]
