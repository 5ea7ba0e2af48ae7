"""GPU-aware scheduling: workers share GPUs as configured, and a CPU-only host is told so quietly."""
from autograder.engine import devices
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


def test_auto_detection_without_nvidia_smi_finds_nothing(monkeypatch):
    monkeypatch.setattr(devices.shutil, "which", lambda name: None)
    assert devices.find_gpus("auto") == []
