// Registers VTK's OpenGL render window, the X interactor and the default interactor style when
// libRenderStream loads. Then an application that only names RenderStream::RenderStream in
// vtk_module_autoinit() still gets a working window and interactor (vtkRenderWindow::New()
// would otherwise return nullptr). Applications that autoinit these modules themselves are
// unaffected: VTK counts the registrations.
#include "vtkAutoInit.h"

VTK_MODULE_INIT(vtkRenderingOpenGL2);
VTK_MODULE_INIT(vtkRenderingUI);
VTK_MODULE_INIT(vtkInteractionStyle);
