"""Opening predictions (OpenSTL saved/, PredRNN PNG folders, file pairs) and ``evaluate``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.cli import main
from mnist_viewer.core.analysis.metrics import evaluate
from mnist_viewer.core.errors import DataError
from mnist_viewer.core.files.predictions import open_pair, open_predictions, predictions_kind

from .prediction_files import predicted, write_openstl, write_predrnn
from .test_metrics import openstl_metric


@pytest.fixture(scope="module")
def whole() -> np.ndarray:
    """(4, 20, 64, 64) uint8 Moving MNIST from the embedded real digits."""
    from mnist_viewer.core.generation import GeneratorConfig, generate
    from mnist_viewer.core.sources.datasets import embedded_dataset

    return generate(GeneratorConfig(num_sequences=4, frames=20, seed=3),
                    embedded_dataset("test")).chunk(0, 4)


def test_openstl_folder_opens_with_its_context_and_matches_openstl(
        tmp_path: Path, whole: np.ndarray) -> None:
    saved = write_openstl(tmp_path / "exp", whole / np.float32(255), context=10)
    for given in (saved, saved.parent):
        assert predictions_kind(given) == "openstl"
        ps = open_predictions(given)
        assert (ps.num_sequences, ps.steps, ps.num_context, ps.height) == (4, 10, 10, 64)
        assert ps.stored_metrics == (1.5, 2.5)
    truth, pred = ps.chunk(1, 3)
    np.testing.assert_array_equal(truth, np.load(saved / "trues.npy")[1:3, :, 0])
    np.testing.assert_array_equal(pred, np.load(saved / "preds.npy")[1:3, :, 0])  # as stored
    assert pred.min() < 0  # not clipped on reading
    np.testing.assert_array_equal(ps.context(0, 4), np.load(saved / "inputs.npy")[:, :, 0])
    ours = evaluate(ps, chunk_pixels=64 * 64 * 10).overall()
    ref = openstl_metric(np.load(saved / "preds.npy"), np.load(saved / "trues.npy"))
    for name, value in ref.items():
        assert ours[name] == pytest.approx(value, rel=1e-5)


def test_mismatched_openstl_arrays_name_both_files(tmp_path: Path, whole: np.ndarray) -> None:
    saved = write_openstl(tmp_path, whole / np.float32(255), context=10)
    np.save(saved / "preds.npy", np.zeros((3, 10, 1, 64, 64), np.float32))
    with pytest.raises(DataError) as err:
        open_predictions(saved)
    message = str(err.value)
    assert "preds.npy" in message and "trues.npy" in message and "\n" not in message
    assert "3 sequences, not 4" in message


def test_predrnn_folder_splits_context_and_prediction(tmp_path: Path, whole: np.ndarray) -> None:
    folder, pred_u8 = write_predrnn(tmp_path / "results" / "5000", whole, context=10)
    assert predictions_kind(folder) == "predrnn"
    ps = open_predictions(folder)
    assert (ps.kind, ps.num_sequences, ps.steps, ps.num_context) == ("predrnn", 4, 10, 10)
    truth, pred = ps.chunk(0, 4)
    np.testing.assert_array_equal(truth * 255, whole[:, 10:].astype(np.float32))
    np.testing.assert_allclose(pred, pred_u8 / 255.0, atol=1e-7)
    np.testing.assert_allclose(ps.context(2, 3)[0], whole[2, :10] / 255.0, atol=1e-7)
    ours = evaluate(ps).overall()
    scale = np.float32(255)
    ref = openstl_metric(pred_u8[:, :, None] / scale, whole[:, 10:, None] / scale)
    assert ours["mse"] == pytest.approx(ref["mse"], rel=1e-5)
    assert ours["ssim"] == pytest.approx(ref["ssim"], abs=1e-6)


def test_predrnn_folder_with_a_missing_frame_is_refused(tmp_path: Path, whole: np.ndarray) -> None:
    folder, _ = write_predrnn(tmp_path, whole[:2], context=10)
    (folder / "2" / "pd15.png").unlink()
    with pytest.raises(DataError, match="holds other frames"):
        open_predictions(folder)


def test_pair_of_float_files_keeps_values_as_stored(tmp_path: Path, whole: np.ndarray) -> None:
    truth = whole / np.float32(255)
    pred = predicted(truth[:, 10:])
    np.save(tmp_path / "truth.npy", truth)  # whole sequences: the first 10 are the context
    np.save(tmp_path / "pred.npy", pred)
    ps = open_pair(tmp_path / "truth.npy", tmp_path / "pred.npy", layout="torchvision")
    assert (ps.steps, ps.num_context) == (10, 10)
    assert "truth.npy: torchvision layout" in ps.notes
    assert any("first 10 are the context" in note for note in ps.notes)
    t, p = ps.chunk(0, 4)
    np.testing.assert_array_equal(p, pred)  # no rounding to 8 bits, no clipping
    np.testing.assert_array_equal(t, truth[:, 10:])


def test_pair_of_uint8_files_is_divided_and_says_so(tmp_path: Path, whole: np.ndarray) -> None:
    np.save(tmp_path / "truth.npy", whole[:, 10:])
    np.save(tmp_path / "pred.npy", whole[:, 10:])
    ps = open_pair(tmp_path / "truth.npy", tmp_path / "pred.npy", layout="torchvision")
    assert ps.num_context == 0 and any("divided by 255" in n for n in ps.notes)
    assert ps.chunk(0, 1)[0].max() <= 1.0


def test_pair_mismatch_is_one_line_naming_both(tmp_path: Path, whole: np.ndarray) -> None:
    np.save(tmp_path / "truth.npy", whole[:, :10])
    np.save(tmp_path / "pred.npy", whole[:3, :12])
    with pytest.raises(DataError) as err:
        open_pair(tmp_path / "truth.npy", tmp_path / "pred.npy", layout="torchvision")
    assert "pred.npy" in str(err.value) and "truth.npy" in str(err.value)


def test_evaluate_json_prints_the_issue_object(tmp_path: Path, whole: np.ndarray,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    saved = write_openstl(tmp_path, whole / np.float32(255), context=10)
    assert main(["evaluate", str(saved), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["num_sequences"] == 4 and data["steps"] == 10
    assert set(data["metrics"]) == {"mse", "mae", "psnr", "ssim"}
    assert all(len(v) == 10 for v in data["per_step"].values())
    ref = openstl_metric(np.load(saved / "preds.npy"), np.load(saved / "trues.npy"))
    assert data["metrics"]["mse"] == pytest.approx(ref["mse"], rel=1e-5)


def test_evaluate_pair_identical_frames_print_null_psnr(
        tmp_path: Path, whole: np.ndarray, capsys: pytest.CaptureFixture[str]) -> None:
    np.save(tmp_path / "a.npy", whole[:, 10:])
    assert main(["evaluate", "--truth", str(tmp_path / "a.npy"), "--pred",
                 str(tmp_path / "a.npy"), "--layout", "torchvision", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["metrics"]["psnr"] is None and data["metrics"]["mse"] == 0
    assert main(["evaluate", "--truth", str(tmp_path / "a.npy"), "--pred",
                 str(tmp_path / "a.npy"), "--layout", "torchvision", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "step,mse,mae,psnr,ssim" and lines[1].startswith("t+1,0.0,0.0,inf,1.0")


def test_evaluate_bad_folder_is_one_line_exit_2(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a predictions folder" in err and err.count("\n") == 1


def test_review_checks_its_inputs_before_any_window(tmp_path: Path, whole: np.ndarray,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    np.save(tmp_path / "truth.npy", whole[:, 10:])
    np.save(tmp_path / "pred.npy", whole[:2, 10:])
    assert main(["review", "--truth", str(tmp_path / "truth.npy"), "--pred",
                 str(tmp_path / "pred.npy"), "--layout", "torchvision"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "truth.npy" in err and "pred.npy" in err


def test_evaluate_json_of_a_pair_and_of_a_predrnn_folder_match_openstl(
        tmp_path: Path, whole: np.ndarray, capsys: pytest.CaptureFixture[str]) -> None:
    truth = whole / np.float32(255)
    pred = predicted(truth[:, 10:])
    np.save(tmp_path / "truth.npy", truth)  # whole sequences: the first 10 are the context
    np.save(tmp_path / "pred.npy", pred)
    assert main(["evaluate", "--truth", str(tmp_path / "truth.npy"), "--pred",
                 str(tmp_path / "pred.npy"), "--layout", "torchvision", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ref = openstl_metric(pred[:, :, None], truth[:, 10:, None])
    assert data["context_frames"] == 10 and data["steps"] == 10
    for name, value in ref.items():
        assert data["metrics"][name] == pytest.approx(value, rel=1e-5, abs=1e-6), name
    folder, pred_u8 = write_predrnn(tmp_path / "results" / "100", whole, context=10)
    assert main(["evaluate", str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    scale = np.float32(255)
    ref = openstl_metric(pred_u8[:, :, None] / scale, whole[:, 10:, None] / scale)
    assert data["source"]["kind"] == "predrnn"
    for name, value in ref.items():
        assert data["metrics"][name] == pytest.approx(value, rel=1e-5, abs=1e-6), name
