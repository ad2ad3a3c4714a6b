"""The File menu's dialogs: open a dataset (a file, or a folder), a sequence file, a
predictions folder; save the sequences shown under a proposed name; confirm a download.

A Qt file dialog picks either files or folders, never both: File › Open Dataset… picks a file
(IDX, .gz, Keras mnist.npz) and File › Open Folder… a folder (an MNIST IDX folder, a ``.zarr``
store, a folder of frames or a predictions folder), which the window opens as what it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtWidgets import QFileDialog, QMessageBox

from ...core.sources import download
from .. import content as ct

DATASET_FILTER = "MNIST datasets (*.gz *-ubyte *.idx* *.npz);;All files (*)"
OPEN_FILTERS = {  # the filter chosen in File › Open Sequences… can force a layout
    "Sequence files, layout detected (*.npy *.npz *.h5 *.hdf5 *.gif *.png *.apng *.avi *.mp4 "
    "*.mkv *.mov *.webm)": None,
    "Animations and videos (*.gif *.png *.apng *.avi *.mp4 *.mkv *.mov *.webm)": None,
    "HDF5 files (*.h5 *.hdf5 *.he5)": None,
    "mnist_test_seq layout (T, N, H, W) (*.npy)": "mnist_test_seq",
    "torchvision layout (N, T, H, W) (*.npy)": "torchvision",
    "All files (*)": None,
}
SAVE_FILTERS = {
    "Moving MNIST with ground truth (*.npz)": None,
    "mnist_test_seq layout, frames only (*.npy)": "mnist_test_seq",
    "torchvision layout (N, T, H, W) (*.npy)": "torchvision",
    "PredRNN / E3D-LSTM (*.npz)": "predrnn",
}


def proposed_name(content: ct.Content | None) -> str:
    """The file name Save Sequences As proposes for ``content``.

    A generated set: ``moving_mnist_<N>x<T>_seed<S>.npz`` (``single_digit_…`` for one digit),
    so the name says how to make it again; the digit stream: ``<dataset>_<split>_digits.npz``;
    a file: its own stem with ``.npz``.
    """
    if content is None:
        return "sequences.npz"
    seqset = content.seqset
    if content.mode in ("moving", "single"):
        seed = (seqset.config or {}).get("seed")
        prefix = "single_digit" if content.mode == "single" else "moving_mnist"
        name = f"{prefix}_{seqset.num_sequences}x{seqset.num_frames}"
        return f"{name}_seed{seed}.npz" if seed is not None else f"{name}.npz"
    if content.is_stream and content.dataset is not None:
        return f"{content.dataset.name}_{content.dataset.split}_digits.npz"
    if content.path:
        return f"{Path(content.path).stem or 'sequences'}.npz"
    return "sequences.npz"


def choose_dataset(window: Any) -> None:
    """File › Open Dataset…: an IDX file (.gz or not) or a Keras mnist.npz."""
    path, _ = QFileDialog.getOpenFileName(window, "Open Dataset",
                                          window.settings.last_dir("datasets"), DATASET_FILTER)
    if path:
        window.open_dataset(path)


def choose_folder(window: Any) -> None:
    """File › Open Folder…: an MNIST folder, a .zarr store, frames or predictions."""
    path = QFileDialog.getExistingDirectory(window, "Open Folder",
                                            window.settings.last_dir("datasets"))
    if path:
        window.open_path(path)


def choose_sequences(window: Any) -> None:
    """File › Open Sequences…: the filter chosen can force a layout."""
    path, chosen = QFileDialog.getOpenFileName(window, "Open Sequences",
                                               window.settings.last_dir("sequences"),
                                               ";;".join(OPEN_FILTERS))
    if path:
        window.open_sequences(path, OPEN_FILTERS.get(chosen))


def choose_predictions(window: Any) -> None:
    """File › Open Predictions…: an OpenSTL ``saved/`` or PredRNN iteration folder."""
    path = QFileDialog.getExistingDirectory(window, "Open predictions folder",
                                            window.settings.last_dir("predictions"))
    if path:
        window.settings.set_last_dir("predictions", path)
        window.open_predictions(path)


def choose_panel_path(window: Any) -> None:
    """The generator panel's Choose… button: an MNIST folder."""
    path = QFileDialog.getExistingDirectory(window, "MNIST Folder",
                                            window.settings.last_dir("datasets"))
    if path:
        window.panel.set_source(ct.DataSource("path", path))


def choose_save_path(window: Any) -> None:
    """File › Save Sequences As…: proposes :func:`proposed_name` in the last folder used."""
    if window.content is None:
        return
    start = str(Path(window.settings.last_dir("sequences")) / proposed_name(window.content))
    path, chosen = QFileDialog.getSaveFileName(window, "Save Sequences As", start,
                                               ";;".join(SAVE_FILTERS))
    if path:
        layout = SAVE_FILTERS.get(chosen)
        if Path(path).suffix.lower() not in (".npz", ".npy"):
            path += ".npy" if layout in ("mnist_test_seq", "torchvision") else ".npz"
        window.save_sequences(path, layout)


def confirm_download(window: Any) -> bool:
    """File › Download MNIST…: say what will happen; True when the user agrees."""
    where = download.mnist_cache_path()
    if download.is_cached():
        text = f"MNIST is already in the cache:\n{where}\n\nCheck it and fetch what is missing?"
    else:
        text = ("Download the full MNIST (60,000 + 10,000 digits, about 11 MB) from the public "
                f"mirrors into\n{where}?\n\nEvery file is checked against the official "
                "SHA-256 sums before it is kept.")
    answer = QMessageBox.question(window, "Download MNIST", text)
    return answer == QMessageBox.StandardButton.Yes
