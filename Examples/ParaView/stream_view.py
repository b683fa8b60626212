"""Streams an animated wavelet contour from pvpython to web browsers.

    xvfb-run -a -s -noreset pvpython Examples/ParaView/stream_view.py [--port N] [--size WxH] [--seconds S]
        [--record FILE] [--publish URL]

Open the printed URL in a browser: the isosurface breathes, and dragging in the browser
rotates the camera. The plugin is found through PV_PLUGIN_PATH, else in build/.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import renderstream_example as example

args = example.parse_args("Streams an animated wavelet contour from pvpython.")

from paraview.simple import *  # noqa: E402,F401,F403

renderstream = example.load_plugin(globals())

wavelet = Wavelet()
contour = Contour(Input=wavelet, ContourBy=["POINTS", "RTData"], Isosurfaces=[150.0])
# Colour by height: a contour coloured by its own scalar would be one flat colour.
height = Elevation(Input=contour, LowPoint=[0, 0, -10], HighPoint=[0, 0, 10])
view = example.new_view(args, background=[0.12, 0.12, 0.16])
if args.offscreen:
    view.GetRenderWindow().SetOffScreenRendering(1)
display = Show(height, view)
ColorBy(display, ("POINTS", "Elevation"))
GetColorTransferFunction("Elevation").ApplyPreset("Turbo", True)
ResetCamera(view)
Render(view)

stream = example.start_stream(renderstream, view, args)

def update(t):
    contour.Isosurfaces = [160.0 + 60.0 * math.sin(0.8 * t)]


example.animate(view, stream, args, update, fps=30)
