"""Streams the composited image of a parallel ParaView job (rank 0 streams).

    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \\
      xvfb-run -a -s -noreset mpiexec --oversubscribe -n 2 pvbatch Examples/ParaView/stream_parallel.py

pvbatch runs this script on rank 0 only; every Render() renders on all ranks and IceT
composites their images into rank 0's window, which the streamer captures. Each rank's piece
of the wavelet contour has its own colour (ProcessIdScalars), so the browser shows who
computed what.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import renderstream_example as example

args = example.parse_args("Streams the composited image of an MPI pvbatch job.")

from paraview.simple import *  # noqa: E402,F401,F403
from paraview import servermanager  # noqa: E402

renderstream = example.load_plugin(globals())
ranks = servermanager.vtkProcessModule.GetProcessModule().GetNumberOfLocalPartitions()
sys.stderr.write("stream_parallel: %d rank(s)\n" % ranks)

wavelet = Wavelet()
wavelet.WholeExtent = [-20, 20, -20, 20, -20, 20]
contour = Contour(Input=wavelet, ContourBy=["POINTS", "RTData"], Isosurfaces=[160.0])
pieces = ProcessIdScalars(Input=contour)
view = example.new_view(args, background=[0.1, 0.1, 0.1])
display = Show(pieces, view)
ColorBy(display, ("POINTS", "ProcessId"))
lut = GetColorTransferFunction("ProcessId")
last = float(max(1, ranks - 1))
# Rank 0 red, the last rank blue, the others in between.
lut.RGBPoints = [0.0, 0.9, 0.15, 0.1, last, 0.1, 0.35, 0.95]
lut.ColorSpace = "RGB"
lut.AutomaticRescaleRangeMode = "Never"
# ParaView splits the wavelet into slabs along z: look from the side to see every slab.
view.CameraPosition = [1, -0.6, 0.4]
view.CameraFocalPoint = [0, 0, 0]
view.CameraViewUp = [0, 0, 1]
ResetCamera(view)
Render(view)

stream = example.start_stream(renderstream, view, args)

def update(t):
    contour.Isosurfaces = [160.0 + 50.0 * math.sin(0.8 * t)]


example.animate(view, stream, args, update, fps=20)
