"""The Qt-free model layer of mnist-viewer: numpy and the standard library only."""
