"""The `device` setting where models run: "auto" takes a GPU when there is one, else the CPU. The GPU tests run
only where CUDA is (skipped here and in CI; run them on a GPU machine): the same tiny model translates the same
sentences alike on the CPU and on the GPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarise.config import Settings
from summarise.translation import hub
from summarise.translation.transformers_backend import TransformersTranslator

from .tiny_models import batched, build_tiny_marian, russian_sentences

torch = pytest.importorskip("torch")
GPU = torch.cuda.is_available()


SENTENCES = russian_sentences(24)
MPS = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
AUTO = "cuda" if GPU else "mps" if MPS else "cpu"


def _translate(model: Path, device: str) -> tuple[str, dict[str, str]]:
    translator = TransformersTranslator(str(model), Settings(device=device))
    return str(translator._model.device.type), batched(translator).translate(SENTENCES)


def test_auto_is_the_gpu_when_there_is_one_else_the_cpu(tmp_path: Path) -> None:
    assert hub.torch_device("auto") == hub.torch_device(" AUTO ") == AUTO
    assert hub.torch_device("cuda:1") == "cuda:1" and hub.torch_device("cpu") == "cpu"  # others as they are
    device, english = _translate(build_tiny_marian(tmp_path / "m"), "auto")
    assert device == AUTO and set(english) == set(SENTENCES) and all(english.values())


def test_ctranslate2_auto_runs_where_ctranslate2_sees_a_gpu_else_on_the_cpu(tmp_path: Path) -> None:
    ctranslate2 = pytest.importorskip("ctranslate2")
    from summarise.translation.ctranslate2_backend import _device

    device, _, compute = _device(Settings(device="auto"))
    assert (device, compute) == (("cuda", "float16") if ctranslate2.get_cuda_device_count() else ("cpu", "int8"))


@pytest.mark.skipif(not GPU, reason="no CUDA GPU here")
def test_a_gpu_translates_as_the_cpu_does(tmp_path: Path) -> None:
    model = build_tiny_marian(tmp_path / "m")
    cpu_device, cpu = _translate(model, "cpu")
    gpu_device, gpu = _translate(model, "cuda")
    assert (cpu_device, gpu_device) == ("cpu", "cuda")
    assert gpu == cpu
