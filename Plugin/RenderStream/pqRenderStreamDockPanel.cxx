#include "pqRenderStreamDockPanel.h"

#include "pqActiveObjects.h"      // for pqActiveObjects
#include "pqApplicationCore.h"    // for pqApplicationCore
#include "pqRenderView.h"         // for pqRenderView
#include "pqServerManagerModel.h" // for pqServerManagerModel
#include "pqSettings.h"           // for pqSettings
#include "vtkPVRenderView.h"      // for vtkPVRenderView
#include "vtkRenderStreamer.h"    // for vtkRenderStreamer
#include "vtkRenderWindow.h"      // for vtkRenderWindow
#include "vtkSMRenderViewProxy.h" // for vtkSMRenderViewProxy

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <cstdlib>
#include <iostream>
#include <string>

namespace
{
namespace defaults = renderstream::defaults;

const char* const SettingsGroup = "RenderStream";
constexpr int MinQuality = 1; // the JPEG scale
constexpr int MaxQuality = 100;
constexpr int DefaultMaxFps = 30;
constexpr int HighestMaxFps = 120;
// How long a recording may take to start (the server looks for requests a few times a
// second) before the dock takes "not recording" for its end.
constexpr qint64 RecordStartGraceMs = 3000;

// The module's defaults, as a streamer that was never configured has them: the public API is
// their one home, the dock keeps no copy.
struct StreamerDefaults
{
  int Port;
  QString BindAddress;
  int Quality;
  QString ControlMode;
};

StreamerDefaults ReadStreamerDefaults()
{
  vtkNew<vtkRenderStreamer> fresh;
  return { fresh->GetPort(), QString::fromUtf8(fresh->GetBindAddress()), fresh->GetQuality(),
    QString::fromUtf8(fresh->GetControlMode()) };
}

/** RENDERSTREAM_AUTOSTART is set, and not to 0. */
bool autoStartRequested()
{
  const char* value = std::getenv("RENDERSTREAM_AUTOSTART");
  return value && *value && std::string(value) != "0";
}

/** A label that wraps its text and never widens the dock: paths in it (the recording's, the
 * server's messages) fold after a "/" or "_" instead (see wrappable). */
QLabel* wrappingLabel(QWidget* parent)
{
  auto* label = new QLabel(parent);
  label->setTextFormat(Qt::PlainText); // the server's messages name files, whatever their names
  label->setWordWrap(true);
  label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  return label;
}

/** `text` with a break opportunity (a zero-width space) after each "/" and "_". */
QString wrappable(QString text)
{
  return text.replace(QLatin1Char('/'), QStringLiteral("/\u200B"))
    .replace(QLatin1Char('_'), QStringLiteral("_\u200B"));
}

QLineEdit* lineEdit(const QString& placeholder, const QString& tip, QWidget* parent)
{
  auto* edit = new QLineEdit(parent);
  edit->setPlaceholderText(placeholder);
  edit->setToolTip(tip);
  return edit;
}

QToolButton* smallButton(const QString& text, const QString& tip, QWidget* parent)
{
  auto* button = new QToolButton(parent);
  button->setText(text);
  button->setToolTip(tip);
  return button;
}
}

//-----------------------------------------------------------------------------
pqRenderStreamDockPanel::pqRenderStreamDockPanel(
  const QString& title, QWidget* parent, Qt::WindowFlags flags)
  : Superclass(title, parent, flags)
{
  this->constructor();
}

//-----------------------------------------------------------------------------
pqRenderStreamDockPanel::pqRenderStreamDockPanel(QWidget* parent, Qt::WindowFlags flags)
  : Superclass(parent, flags)
{
  this->constructor();
}

//-----------------------------------------------------------------------------
pqRenderStreamDockPanel::~pqRenderStreamDockPanel()
{
  // Stop before the views (and their windows) go away with the application.
  this->Streamer->Stop();
  this->Streamer->SetInteractor(nullptr);
  this->Streamer->SetRenderWindow(nullptr);
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::constructor()
{
  this->setWindowTitle(tr("Render Stream"));
  this->buildWidgets();
  this->createTimers();
  // The host ticks the streamer from its QTimer: no interactor timer.
  this->Streamer->SetUseEventLoop(false);
  this->loadSettings();
  this->connectWidgets();
  this->connectApplication();
  this->AutoStart = autoStartRequested();
  this->setActiveView(pqActiveObjects::instance().activeView());
  this->updateWidgets();
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::buildWidgets()
{
  auto* body = new QWidget(this);
  body->setObjectName("Body"); // the GUI test finds the widgets by their names
  auto* layout = new QVBoxLayout(body);

  this->StartButton = new QPushButton(tr("Start streaming"), body);
  this->StartButton->setToolTip(tr("Serve the active render view to web browsers"));
  layout->addWidget(this->StartButton);

  auto* form = new QFormLayout();
  this->addServerRows(form, body);
  this->addStreamRows(form, body);
  this->addLinkRows(form, body);
  this->addMediaRows(form, body);
  this->addStatusRows(form, body);
  layout->addLayout(form);

  this->ErrorLabel = new QLabel(body);
  this->ErrorLabel->setWordWrap(true);
  this->ErrorLabel->setStyleSheet("QLabel { color: #c0392b; }");
  this->ErrorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  this->ErrorLabel->hide();
  layout->addWidget(this->ErrorLabel);
  layout->addStretch(1);
  this->setWidget(body);
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::addServerRows(QFormLayout* form, QWidget* body)
{
  this->Port = new QSpinBox(body);
  this->Port->setRange(0, 65535);
  this->Port->setSpecialValueText(tr("any free port"));
  this->Port->setToolTip(tr("TCP port of the web server; 0 picks a free one"));
  form->addRow(tr("Port"), this->Port);

  this->BindAddress = new QLineEdit(body);
  this->BindAddress->setToolTip(
    tr("Address to listen on: %1 for this machine only, 0.0.0.0 for every network")
      .arg(ReadStreamerDefaults().BindAddress));
  form->addRow(tr("Bind address"), this->BindAddress);

  this->PublicUrl = lineEdit(tr("this machine's address"),
    tr("Where people open the view when it is not this machine: a TLS proxy's or tunnel's "
       "address, e.g. https://viz.example.org/renderstream/ (see the README's \"Share it\")"),
    body);
  form->addRow(tr("Public URL"), this->PublicUrl);
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::addStreamRows(QFormLayout* form, QWidget* body)
{
  this->Quality = new QSpinBox(body);
  this->Quality->setRange(MinQuality, MaxQuality);
  this->Quality->setToolTip(
    tr("JPEG quality while the user interacts (%1-%2)").arg(MinQuality).arg(MaxQuality));
  form->addRow(tr("Quality"), this->Quality);

  this->MaxFps = new QSpinBox(body);
  this->MaxFps->setRange(1, HighestMaxFps);
  this->MaxFps->setSuffix(tr(" fps"));
  this->MaxFps->setToolTip(
    tr("How often browser input is applied to the view (frames go out whenever it renders)"));
  form->addRow(tr("Max frame rate"), this->MaxFps);

  this->ViewOnly = new QCheckBox(tr("Browsers may only watch"), body);
  this->ViewOnly->setToolTip(tr("When checked, input from browsers is ignored"));
  form->addRow(tr("View only"), this->ViewOnly);

  this->ControlMode = new QComboBox(body);
  this->ControlMode->addItem(tr("One at a time"), QStringLiteral("one"));
  this->ControlMode->addItem(tr("Everyone at once"), QStringLiteral("shared"));
  this->ControlMode->setToolTip(tr("Who steers from the browsers: one viewer at a time (control "
                                   "passes when the driver is idle for 2 s or gives it), or "
                                   "everyone at once. You, here, are never blocked"));
  form->addRow(tr("Browsers steer"), this->ControlMode);
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::addLinkRows(QFormLayout* form, QWidget* body)
{
  this->Url = new QLineEdit(body);
  this->Url->setReadOnly(true);
  this->Url->setPlaceholderText(tr("not streaming"));
  this->Url->setToolTip(tr("Open this link in a browser to watch and steer the view"));
  this->CopyUrlButton = smallButton(tr("Copy"), tr("Copy the link to the clipboard"), body);
  this->OpenUrlButton = smallButton(tr("Open"), tr("Open the link in the default browser"), body);
  auto* urlRow = new QHBoxLayout();
  urlRow->addWidget(this->Url, 1);
  urlRow->addWidget(this->CopyUrlButton);
  urlRow->addWidget(this->OpenUrlButton);
  form->addRow(tr("Link"), urlRow);

  this->ViewOnlyUrl = new QLineEdit(body);
  this->ViewOnlyUrl->setReadOnly(true);
  this->ViewOnlyUrl->setToolTip(tr("A link that can watch but not steer"));
  this->CopyViewOnlyUrlButton =
    smallButton(tr("Copy"), tr("Copy the watch-only link to the clipboard"), body);
  auto* viewOnlyRow = new QHBoxLayout();
  viewOnlyRow->addWidget(this->ViewOnlyUrl, 1);
  viewOnlyRow->addWidget(this->CopyViewOnlyUrlButton);
  form->addRow(tr("Watch-only link"), viewOnlyRow);
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::addMediaRows(QFormLayout* form, QWidget* body)
{
  this->PublishUrl = lineEdit(tr("no media server"),
    tr("Also send the stream to a media server, from the next start: rtmp://, rtmps://, "
       "srt:// or rtsp://, e.g. rtmp://live.example.org/app/STREAM-KEY. Not saved: a stream "
       "key is a secret"),
    body);
  this->PublishUrl->setObjectName("PublishTo");
  form->addRow(tr("Publish to"), this->PublishUrl);

  this->RecordButton = new QPushButton(tr("Record"), body);
  this->RecordButton->setObjectName("Record");
  this->RecordButton->setCheckable(true);
  this->RecordButton->setToolTip(tr("Record the stream to an MP4 file in %1 until pressed again")
                                   .arg(QString::fromUtf8(this->Streamer->GetRecordDirectory())));
  this->RecordLabel = wrappingLabel(body);
  auto* recordRow = new QHBoxLayout();
  recordRow->addWidget(this->RecordButton);
  recordRow->addWidget(this->RecordLabel, 1);
  form->addRow(tr("Recording"), recordRow);
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::addStatusRows(QFormLayout* form, QWidget* body)
{
  this->ViewLabel = new QLabel(body);
  form->addRow(tr("View"), this->ViewLabel);
  this->StatusLabel = wrappingLabel(body);
  this->StatusLabel->setToolTip(tr("Connected viewers, the frames per second each receives on "
                                   "average, the media server, and the last word on recording "
                                   "or publishing"));
  form->addRow(tr("Status"), this->StatusLabel);
  this->DriverLabel = new QLabel(body);
  this->DriverLabel->setTextFormat(Qt::PlainText); // a viewer's name is untrusted text
  this->DriverLabel->setToolTip(tr("Which browser viewer steers the view now"));
  form->addRow(tr("Driving"), this->DriverLabel);
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::createTimers()
{
  this->TickTimer = new QTimer(this);
  this->TickTimer->setTimerType(Qt::PreciseTimer);
  this->StatusTimer = new QTimer(this);
  this->StatusTimer->setInterval(1000);
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::loadSettings()
{
  pqSettings* settings = pqApplicationCore::instance()->settings();
  settings->beginGroup(SettingsGroup);
  const StreamerDefaults defaults = ReadStreamerDefaults();
  this->Port->setValue(settings->value("Port", defaults.Port).toInt());
  this->BindAddress->setText(settings->value("BindAddress", defaults.BindAddress).toString());
  this->PublicUrl->setText(settings->value("PublicUrl", "").toString());
  this->Quality->setValue(settings->value("Quality", defaults.Quality).toInt());
  this->MaxFps->setValue(settings->value("MaxFps", DefaultMaxFps).toInt());
  this->ViewOnly->setChecked(settings->value("ViewOnly", false).toBool());
  const int control = this->ControlMode->findData(settings->value("ControlMode", defaults.ControlMode));
  this->ControlMode->setCurrentIndex(control < 0 ? 0 : control);
  settings->endGroup();
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::connectWidgets()
{
  using Self = pqRenderStreamDockPanel;
  QObject::connect(this->StartButton, &QPushButton::clicked, this, &Self::toggleStreaming);
  QObject::connect(this->CopyUrlButton, &QToolButton::clicked, this, &Self::copyUrl);
  QObject::connect(this->OpenUrlButton, &QToolButton::clicked, this, &Self::openUrl);
  QObject::connect(this->RecordButton, &QPushButton::toggled, this, &Self::toggleRecording);
  QObject::connect(
    this->CopyViewOnlyUrlButton, &QToolButton::clicked, this, &Self::copyViewOnlyUrl);
  QObject::connect(this->TickTimer, &QTimer::timeout, this, &Self::tick);
  QObject::connect(this->StatusTimer, &QTimer::timeout, this, &Self::refreshStatus);

  // Every setting is saved as soon as it changes.
  const auto spinBoxChanged = QOverload<int>::of(&QSpinBox::valueChanged);
  QObject::connect(this->Port, spinBoxChanged, this, &Self::saveSettings);
  QObject::connect(this->BindAddress, &QLineEdit::editingFinished, this, &Self::saveSettings);
  QObject::connect(this->PublicUrl, &QLineEdit::editingFinished, this, &Self::saveSettings);
  QObject::connect(this->Quality, spinBoxChanged, this, &Self::saveSettings);
  QObject::connect(this->MaxFps, spinBoxChanged, this, &Self::saveSettings);
  QObject::connect(this->ViewOnly, &QCheckBox::toggled, this, &Self::saveSettings);
  QObject::connect(this->ControlMode, QOverload<int>::of(&QComboBox::currentIndexChanged), this,
    &Self::saveSettings);
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::connectApplication()
{
  QObject::connect(&pqActiveObjects::instance(), &pqActiveObjects::viewChanged, this,
    &pqRenderStreamDockPanel::setActiveView);
  if (pqServerManagerModel* model = pqApplicationCore::instance()->getServerManagerModel())
  {
    QObject::connect(
      model, &pqServerManagerModel::preViewRemoved, this, &pqRenderStreamDockPanel::onViewRemoved);
  }
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::saveSettings()
{
  pqSettings* settings = pqApplicationCore::instance()->settings();
  settings->beginGroup(SettingsGroup);
  settings->setValue("Port", this->Port->value());
  settings->setValue("BindAddress", this->BindAddress->text().trimmed());
  settings->setValue("PublicUrl", this->PublicUrl->text().trimmed());
  settings->setValue("Quality", this->Quality->value());
  settings->setValue("MaxFps", this->MaxFps->value());
  settings->setValue("ViewOnly", this->ViewOnly->isChecked());
  settings->setValue("ControlMode", this->ControlMode->currentData());
  settings->endGroup();
  this->TickTimer->setInterval(1000 / this->MaxFps->value());
}

//-----------------------------------------------------------------------------
bool pqRenderStreamDockPanel::isStreaming() const
{
  return this->Streamer->IsStreaming();
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::toggleStreaming()
{
  if (this->isStreaming())
  {
    this->stopStreaming();
  }
  else
  {
    this->startStreaming();
  }
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::setActiveView(pqView* view)
{
  // Only render views can be streamed; keep streaming the last one when the user activates
  // a spreadsheet or a chart.
  auto* renderView = qobject_cast<pqRenderView*>(view);
  if (!renderView || renderView == this->View)
  {
    return;
  }
  this->View = renderView;
  if (this->isStreaming())
  {
    if (this->attachToView())
    {
      this->View->render(); // a first frame of the new view for the browsers
    }
  }
  else if (this->AutoStart)
  {
    this->AutoStart = false; // once: a user's Stop is respected afterwards
    // Let the view finish its own set-up (its widget gets a GL context when shown).
    QTimer::singleShot(0, this, &pqRenderStreamDockPanel::startStreaming);
  }
  this->updateWidgets();
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::onViewRemoved(pqView* view)
{
  if (view != this->View)
  {
    return;
  }
  const bool wasStreaming = this->isStreaming();
  this->stopStreaming();
  this->Streamer->SetInteractor(nullptr);
  this->Streamer->SetRenderWindow(nullptr);
  this->View = nullptr;
  if (wasStreaming)
  {
    this->showError(tr("The streamed view was closed; streaming stopped."));
  }
  this->updateWidgets();
}

//-----------------------------------------------------------------------------
bool pqRenderStreamDockPanel::attachToView()
{
  if (!this->View)
  {
    this->showError(tr("There is no render view to stream. Create or activate one."));
    return false;
  }
  vtkSMRenderViewProxy* proxy = this->View->getRenderViewProxy();
  if (!proxy)
  {
    this->showError(tr("The active view has no render view proxy."));
    return false;
  }
  auto* pvView = vtkPVRenderView::SafeDownCast(proxy->GetClientSideObject());
  if (!pvView)
  {
    this->showError(tr("The active view is not a vtkPVRenderView on this client."));
    return false;
  }
  vtkRenderWindow* window = pvView->GetRenderWindow();
  if (!window)
  {
    this->showError(tr("The active view has no render window yet."));
    return false;
  }
  this->Streamer->SetRenderWindow(window);
  // QVTKInteractor of the view's widget: ParaView renders the view when its style asks.
  this->Streamer->SetInteractor(pvView->GetInteractor());
  return true;
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::startStreaming()
{
  if (this->isStreaming())
  {
    return;
  }
  this->ErrorLabel->hide();
  if (!this->attachToView())
  {
    this->updateWidgets();
    return;
  }
  this->saveSettings();
  this->Streamer->SetPort(this->Port->value());
  QString bind = this->BindAddress->text().trimmed();
  if (bind.isEmpty())
  {
    bind = ReadStreamerDefaults().BindAddress;
  }
  this->Streamer->SetBindAddress(bind.toUtf8().constData());
  const QByteArray publicUrl = this->PublicUrl->text().trimmed().toUtf8();
  this->Streamer->SetPublicURL(publicUrl.isEmpty() ? nullptr : publicUrl.constData());
  const QByteArray publishUrl = this->PublishUrl->text().trimmed().toUtf8();
  this->Streamer->SetPublishURL(publishUrl.isEmpty() ? nullptr : publishUrl.constData());
  this->Streamer->SetQuality(this->Quality->value());
  this->Streamer->SetViewOnly(this->ViewOnly->isChecked());
  this->Streamer->SetControlMode(this->ControlMode->currentData().toString().toUtf8().constData());
  if (!this->Streamer->Start())
  {
    const char* why = this->Streamer->GetLastError();
    this->showError(tr("Could not start streaming: %1")
                      .arg(why && *why ? QString::fromUtf8(why) : tr("unknown error")));
    this->updateWidgets();
    return;
  }
  std::cout << "RenderStream: serving " << this->Streamer->GetURL() << std::endl;
  if (!publicUrl.isEmpty())
  {
    std::cout << "RenderStream: on this machine " << this->Streamer->GetLocalURL() << std::endl;
  }
  this->LastFramesSent = this->Streamer->GetFramesSent();
  this->LastStatusMs = QDateTime::currentMSecsSinceEpoch();
  this->TickTimer->start(1000 / this->MaxFps->value());
  this->StatusTimer->start();
  // Render once so the first browser sees a frame without waiting for the user.
  if (this->View)
  {
    this->View->render();
  }
  this->updateWidgets();
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::stopStreaming()
{
  this->TickTimer->stop();
  this->StatusTimer->stop();
  this->Streamer->Stop();
  this->updateWidgets();
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::tick()
{
  // Tick() notices a dead server itself; refreshStatus() reports it, once a second, so the
  // hot path does not ask the process table at every tick.
  this->Streamer->Tick();
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::refreshStatus()
{
  if (!this->isStreaming()) // the server ended while the panel was streaming
  {
    const char* why = this->Streamer->GetLastError();
    this->stopStreaming();
    this->showError(tr("Streaming stopped: %1")
                      .arg(why && *why ? QString::fromUtf8(why) : tr("the server process ended")));
    return;
  }
  const int viewers = this->Streamer->GetViewerCount();
  const QString rate = QString::number(this->framesPerViewerPerSecond(viewers), 'f', 1);
  QString status = viewers == 0 ? tr("streaming · 0 viewers")
    : viewers == 1             ? tr("streaming · 1 viewer · %1 fps").arg(rate)
                               : tr("streaming · %1 viewers · %2 fps per viewer").arg(viewers).arg(rate);
  if (const int restarts = this->Streamer->GetServerRestarts())
  {
    // A server that died (crash, OOM) was replaced on the same links: worth knowing.
    status += tr(" · server restarted %1×").arg(restarts);
  }
  if (const QString publishing = QString::fromUtf8(this->Streamer->GetPublishState()); publishing != "off")
  {
    status += tr(" · publishing: %1").arg(publishing);
  }
  if (const QString message = QString::fromUtf8(this->Streamer->GetMediaMessage()); !message.isEmpty())
  {
    status += "\n" + wrappable(message); // why a recording stopped, why publishing fails
  }
  this->StatusLabel->setText(status);
  this->refreshRecording();
  const QString driver = QString::fromUtf8(this->Streamer->GetDriverName());
  this->DriverLabel->setText(std::string(this->Streamer->GetControlMode()) == "shared"
      ? tr("everyone at once")
      : driver.isEmpty() ? tr("nobody") : driver);
}

//-----------------------------------------------------------------------------
double pqRenderStreamDockPanel::framesPerViewerPerSecond(int viewers)
{
  // The server counts every frame it writes, to any viewer: divided by the viewers, that is
  // what one of them receives (on average; a slow link gets fewer).
  const unsigned long long sent = this->Streamer->GetFramesSent();
  const qint64 now = QDateTime::currentMSecsSinceEpoch();
  const double seconds = (now - this->LastStatusMs) / 1000.0;
  const bool measurable = viewers > 0 && seconds > 0 && sent >= this->LastFramesSent;
  const double rate = measurable
    ? static_cast<double>(sent - this->LastFramesSent) / seconds / viewers
    : 0.0;
  this->LastFramesSent = sent;
  this->LastStatusMs = now;
  return rate;
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::updateWidgets()
{
  const bool streaming = this->isStreaming();
  this->StartButton->setText(streaming ? tr("Stop streaming") : tr("Start streaming"));
  this->StartButton->setEnabled(streaming || this->View);
  // The server is started with these; they apply at the next start.
  this->Port->setEnabled(!streaming);
  this->BindAddress->setEnabled(!streaming);
  this->PublicUrl->setEnabled(!streaming);
  this->Quality->setEnabled(!streaming);
  this->ViewOnly->setEnabled(!streaming);
  this->ControlMode->setEnabled(!streaming);
  this->PublishUrl->setEnabled(!streaming);
  this->RecordButton->setEnabled(streaming);
  this->Url->setText(streaming ? QString::fromUtf8(this->Streamer->GetURL()) : QString());
  this->ViewOnlyUrl->setText(
    streaming ? QString::fromUtf8(this->Streamer->GetViewOnlyURL()) : QString());
  this->Url->setCursorPosition(0); // show the start of the links, not the token's end
  this->ViewOnlyUrl->setCursorPosition(0);
  this->ViewLabel->setText(
    this->View ? this->View->getSMName() : tr("(no render view)"));
  if (streaming)
  {
    this->refreshStatus();
  }
  else
  {
    this->StatusLabel->setText(tr("stopped"));
    this->DriverLabel->setText(QString());
    this->RecordButton->setChecked(false); // Stop() ended the recording
    this->refreshRecording();
  }
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::toggleRecording(bool on)
{
  if (!on)
  {
    this->Streamer->SetRecordFile(nullptr); // the server finishes the file and says so
    this->RecordPath.clear();
    this->refreshRecording();
    return;
  }
  if (!this->isStreaming()) // (the button is disabled then; a test player may press it anyway)
  {
    this->RecordButton->setChecked(false);
    return;
  }
  const QString folder = QString::fromUtf8(this->Streamer->GetRecordDirectory());
  if (!QDir().mkpath(folder))
  {
    this->showError(tr("Cannot record: cannot create the folder %1").arg(folder));
    this->RecordButton->setChecked(false);
    return;
  }
  const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd_HH-mm-ss"));
  this->RecordPath = QDir(folder).filePath(QStringLiteral("paraview-%1.mp4").arg(stamp));
  this->RecordSinceMs = QDateTime::currentMSecsSinceEpoch();
  this->RecordRestarts = this->Streamer->GetServerRestarts();
  this->Streamer->SetRecordFile(this->RecordPath.toUtf8().constData());
  this->refreshRecording();
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::refreshRecording()
{
  if (!this->RecordButton->isChecked())
  {
    this->RecordButton->setText(tr("Record"));
    this->RecordLabel->setText(QString());
    return;
  }
  this->RecordButton->setText(tr("Stop"));
  const qint64 now = QDateTime::currentMSecsSinceEpoch();
  if (const int restarts = this->Streamer->GetServerRestarts(); restarts != this->RecordRestarts)
  {
    this->RecordRestarts = restarts; // the new server records on, into a new file
    this->RecordSinceMs = now;
  }
  if (this->Streamer->IsRecording())
  {
    const double mib = static_cast<double>(this->Streamer->GetRecordedBytes()) / (1 << 20);
    this->RecordLabel->setText(tr("Recording %1 s · %2 MiB\n%3")
                                 .arg(qRound(this->Streamer->GetRecordedSeconds()))
                                 .arg(mib, 0, 'f', 1)
                                 .arg(wrappable(this->RecordPath)));
  }
  else if (now - this->RecordSinceMs < RecordStartGraceMs)
  {
    this->RecordLabel->setText(tr("Starting…\n%1").arg(wrappable(this->RecordPath)));
  }
  else
  {
    // The server ended the recording (its size bound, a full disk) or could not start it;
    // the status line says why.
    this->RecordButton->setChecked(false);
  }
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::showError(const QString& message)
{
  this->ErrorLabel->setText(message);
  this->ErrorLabel->show();
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::copyUrl()
{
  if (!this->Url->text().isEmpty())
  {
    QApplication::clipboard()->setText(this->Url->text());
  }
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::copyViewOnlyUrl()
{
  if (!this->ViewOnlyUrl->text().isEmpty())
  {
    QApplication::clipboard()->setText(this->ViewOnlyUrl->text());
  }
}

//-----------------------------------------------------------------------------
void pqRenderStreamDockPanel::openUrl()
{
  if (!this->Url->text().isEmpty())
  {
    QDesktopServices::openUrl(QUrl(this->Url->text()));
  }
}
