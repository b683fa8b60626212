/**
 * @class   pqRenderStreamDockPanel
 * @brief   The "Render Stream" dock: streams the active render view to web browsers.
 *
 * The panel owns one vtkRenderStreamer. It follows pqActiveObjects: whenever a render view
 * becomes active, the streamer is re-attached to that view's render window and interactor,
 * so browsers always see (and steer) the view the user works in. Frames are read whenever the
 * view renders; a QTimer ticks the streamer (browser input, the server's liveness) at most
 * "Max fps" times a second; a second timer refreshes the
 * viewer count and the frame rate a viewer receives (frames sent over the last second,
 * divided by the viewers) once a second. Errors (port in use, server missing, view closed)
 * are shown in the panel. The settings persist through pqSettings, except the publishing URL,
 * whose stream key is a secret (ParaView's settings file is plain text).
 *
 * While streaming, the checkable "Record" button records the stream to
 * GetRecordDirectory()/paraview-YYYY-MM-DD_HH-MM-SS.mp4 until it is pressed again (or the
 * server ends the recording: the status line then says why); "Publish to" sends the stream
 * to a media server (rtmp://, srt://, ...), applied at the next start like the port.
 *
 * Setting the environment variable RENDERSTREAM_AUTOSTART=1 starts streaming as soon as a
 * render view exists (used by the GUI test, handy for kiosk set-ups). Every start prints the
 * line `RenderStream: serving URL` on stdout, as the examples do.
 */
#ifndef pqRenderStreamDockPanel_h
#define pqRenderStreamDockPanel_h

#include <QDockWidget>
#include <QPointer> // for QPointer

#include "vtkNew.h" // for vtkNew

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTimer;
class QToolButton;
class pqRenderView;
class pqView;
class vtkRenderStreamer;

class pqRenderStreamDockPanel : public QDockWidget
{
  Q_OBJECT
  typedef QDockWidget Superclass;

public:
  pqRenderStreamDockPanel(const QString& title, QWidget* parent = nullptr,
    Qt::WindowFlags flags = Qt::WindowFlags{});
  pqRenderStreamDockPanel(QWidget* parent = nullptr, Qt::WindowFlags flags = Qt::WindowFlags{});
  ~pqRenderStreamDockPanel() override;

  /** True while the streamer serves. */
  bool isStreaming() const;

public Q_SLOTS:
  void startStreaming();
  void stopStreaming();

private Q_SLOTS:
  void toggleStreaming();
  void setActiveView(pqView* view);
  void onViewRemoved(pqView* view);
  void tick();
  void refreshStatus();
  void copyUrl();
  void copyViewOnlyUrl();
  void openUrl();
  void saveSettings();
  void toggleRecording(bool on);

private:
  Q_DISABLE_COPY(pqRenderStreamDockPanel)

  void constructor();
  // The constructor's steps, in the order it takes them.
  void buildWidgets();
  void addServerRows(QFormLayout* form, QWidget* body);
  void addStreamRows(QFormLayout* form, QWidget* body);
  void addLinkRows(QFormLayout* form, QWidget* body);
  void addMediaRows(QFormLayout* form, QWidget* body);
  void addStatusRows(QFormLayout* form, QWidget* body);
  void createTimers();
  void loadSettings();
  void connectWidgets();
  void connectApplication();

  /** Frames a viewer received per second since the last call (0 without viewers). */
  double framesPerViewerPerSecond(int viewers);
  /** Points the streamer at this->View's window and interactor; false (with a message) if
   * the view has none yet. */
  bool attachToView();
  void updateWidgets();
  /** The Record row: the recording's figures, or its end (the server's message). */
  void refreshRecording();
  void showError(const QString& message);

  vtkNew<vtkRenderStreamer> Streamer;
  QPointer<pqRenderView> View;
  QTimer* TickTimer = nullptr;
  QTimer* StatusTimer = nullptr;
  unsigned long long LastFramesSent = 0;
  qint64 LastStatusMs = 0;
  bool AutoStart = false;
  QString RecordPath;     // the file the Record button asked for
  qint64 RecordSinceMs = 0; // when it asked, or when a new server took over the recording
  int RecordRestarts = 0; // GetServerRestarts() then

  QPushButton* StartButton = nullptr;
  QSpinBox* Port = nullptr;
  QLineEdit* BindAddress = nullptr;
  QLineEdit* PublicUrl = nullptr;
  QSpinBox* Quality = nullptr;
  QSpinBox* MaxFps = nullptr;
  QCheckBox* ViewOnly = nullptr;
  QComboBox* ControlMode = nullptr;
  QLineEdit* PublishUrl = nullptr;
  QPushButton* RecordButton = nullptr;
  QLabel* RecordLabel = nullptr;
  QLineEdit* Url = nullptr;
  QToolButton* CopyUrlButton = nullptr;
  QToolButton* OpenUrlButton = nullptr;
  QLineEdit* ViewOnlyUrl = nullptr;
  QToolButton* CopyViewOnlyUrlButton = nullptr;
  QLabel* ViewLabel = nullptr;
  QLabel* StatusLabel = nullptr;
  QLabel* DriverLabel = nullptr;
  QLabel* ErrorLabel = nullptr;
};

#endif
