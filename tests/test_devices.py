"""GPU-aware scheduling: workers share GPUs as configured, a CPU-only host is told so quietly, and
workers train on the Keras backend the machine has."""
import importlib.util

from autograder.engine import devices
from autograder.sandbox.process import StudentProcess
from autograder.engine.settings import Settings


def test_no_gpu_means_cpu_profile_and_no_cuda_probing():
    settings = Settings(gpus="none", workers=0)
    assert devices.find_gpus("none") == []
    env = devices.worker_environment(0, 2, [], settings)
    assert env["CUDA_VISIBLE_DEVICES"] == "" and env["AUTOGRADER_PROFILE"] == "cpu" and env["TF_CPP_MIN_LOG_LEVEL"] == "3"


def test_workers_are_spread_over_gpus_with_memory_growth():
    settings = Settings(gpus="0,1", workers_per_gpu=2, workers=0)
    gpus = devices.find_gpus(settings.gpus)
    workers = devices.worker_count(settings, gpus)
    assert workers == 4
    envs = [devices.worker_environment(slot, workers, gpus, settings) for slot in range(workers)]
    assert [e["CUDA_VISIBLE_DEVICES"] for e in envs] == ["0", "0", "1", "1"]
    assert all(e["TF_FORCE_GPU_ALLOW_GROWTH"] == "true" and e["AUTOGRADER_PROFILE"] == "gpu" for e in envs)
    assert envs[0]["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.45"


def test_explicit_settings_win():
    assert devices.worker_count(Settings(workers=3), ["0"]) == 3
    env = devices.worker_environment(0, 1, ["0"], Settings(profile="cpu"))
    assert env["AUTOGRADER_PROFILE"] == "cpu"


def test_auto_detection_without_nvidia_smi_finds_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(devices.shutil, "which", lambda name: None)
    monkeypatch.setattr(devices, "NVIDIA_PROC", tmp_path / "no-driver")
    assert devices.find_gpus("auto") == []


def test_without_nvidia_smi_the_driver_still_tells_the_gpus(monkeypatch, tmp_path):
    monkeypatch.setattr(devices.shutil, "which", lambda name: None)
    for bus in ("0000:17:00.0", "0000:65:00.0"):
        (tmp_path / bus).mkdir()
    monkeypatch.setattr(devices, "NVIDIA_PROC", tmp_path)
    assert devices.find_gpus("auto") == ["0", "1"]


FOUND = importlib.util.find_spec("json")  # any module's spec: "installed"


def only_installed(monkeypatch, *names):
    monkeypatch.setattr(devices.importlib.util, "find_spec", lambda name: FOUND if name in names else None)


def test_backend_is_the_one_the_machine_has(monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    only_installed(monkeypatch, "tensorflow", "jax", "torch")
    assert devices.keras_backend("auto") == "tensorflow"
    only_installed(monkeypatch, "torch", "jax")  # a GPU machine without TensorFlow
    assert devices.keras_backend("auto") == "jax"
    only_installed(monkeypatch, "torch")
    assert devices.worker_environment(0, 1, ["0"], Settings())["KERAS_BACKEND"] == "torch"
    only_installed(monkeypatch)  # none: Keras's default, whose import error then names it
    assert devices.keras_backend("auto") == "tensorflow"


def test_backend_setting_then_environment_win_over_what_is_installed(monkeypatch):
    only_installed(monkeypatch, "tensorflow")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert devices.keras_backend("auto") == "jax"
    assert devices.worker_environment(0, 1, [], Settings(keras_backend="torch"))["KERAS_BACKEND"] == "torch"


def test_student_kernel_uses_the_same_backend_as_its_worker(monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    only_installed(monkeypatch, "torch")
    assert StudentProcess(Settings(), 0)._environment(3, 4)["KERAS_BACKEND"] == "torch"
    assert StudentProcess(Settings(keras_backend="jax"), 0)._environment(3, 4)["KERAS_BACKEND"] == "jax"
