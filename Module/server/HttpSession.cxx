#include "HttpSession.h"

#include "MediaOutputs.h"
#include "MjpegSession.h"
#include "RequestTarget.h"
#include "SessionEnd.h"
#include "SignInPage.h"
#include "SnapshotService.h"
#include "WebAssets.h"
#include "WebSocketSession.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <array>
#include <map>
#include <optional>

namespace renderstream::server
{
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace
{
constexpr std::size_t kHeaderLimit = 8 * 1024;
constexpr std::size_t kBodyLimit = 1024; // only POST /session has a body: one token
constexpr auto kReadTimeout = std::chrono::seconds(30);
constexpr auto kFirstRequestTimeout = std::chrono::seconds(10); // until a token was shown
constexpr auto kFirstFrameWait = std::chrono::seconds(2);
constexpr std::uint64_t kSlowestDownload = 64 * 1024; // bytes a second a download may take, at worst

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

class HttpSession : public std::enable_shared_from_this<HttpSession>
{
public:
  HttpSession(net::ip::tcp::socket&& socket, std::shared_ptr<SharedState> state)
    : Stream(std::move(socket))
    , State(std::move(state))
  {
  }

  ~HttpSession() { this->LeavePending(); }

  void Run()
  {
    // Counted as pending until it shows a token; when too many are, the oldest is closed.
    this->PendingId = this->State->Pending.Add([weak = this->weak_from_this(), stats = &this->State->Stats] {
      stats->PendingEvicted.fetch_add(1, std::memory_order_relaxed);
      if (auto self = weak.lock())
      {
        beast::error_code ec;
        self->Stream.socket().close(ec);
      }
    });
    this->DoRead();
  }

private:
  void DoRead()
  {
    this->Parser.emplace();
    this->Parser->header_limit(kHeaderLimit);
    this->Parser->body_limit(kBodyLimit);
    this->Stream.expires_after(this->PendingId ? kFirstRequestTimeout : kReadTimeout);
    http::async_read(this->Stream, this->Buffer, *this->Parser,
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec)
  {
    // A keep-alive connection that idles out ends as ordinarily as one the client closed.
    if (IsOrdinaryEnd(ec) || ec == beast::error::timeout)
    {
      return this->Shutdown();
    }
    if (ec == http::error::header_limit)
    {
      return this->SendError(http::status::request_header_fields_too_large,
        "request headers over " + std::to_string(kHeaderLimit / 1024) + " KiB\n");
    }
    if (ec == http::error::body_limit)
    {
      return this->SendError(http::status::payload_too_large,
        "request body over " + std::to_string(kBodyLimit) + " bytes\n");
    }
    if (ec)
    {
      return this->SendError(http::status::bad_request, "malformed HTTP request\n");
    }
    this->State->Stats.HttpRequests.fetch_add(1, std::memory_order_relaxed);
    this->Handle(this->Parser->release());
  }

  template <class Body>
  static void SetHeaders(http::response<Body>& response, const Request& request, const std::string& contentType)
  {
    response.set(http::field::server, "renderstream-server");
    response.set(http::field::content_type, contentType);
    response.set(http::field::cache_control, "no-store");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.keep_alive(request.keep_alive());
  }

  Response MakeResponse(const Request& request, http::status status, std::string contentType,
    std::string body)
  {
    Response response{ status, request.version() };
    SetHeaders(response, request, contentType);
    response.body() = std::move(body);
    response.prepare_payload();
    if (request.method() == http::verb::head)
    {
      response.body().clear(); // HEAD: the GET's headers, Content-Length included, no body
    }
    return response;
  }

  /// Answers a request that could not be read (so its HTTP version is unknown: 1.1) and closes.
  void SendError(http::status status, std::string body)
  {
    Request request;
    request.version(11);
    request.keep_alive(false);
    this->Send(this->MakeResponse(request, status, "text/plain; charset=utf-8", std::move(body)));
  }

  /// No longer pending (it showed a token, or it ends).
  void LeavePending()
  {
    if (this->PendingId)
    {
      this->State->Pending.Remove(this->PendingId);
      this->PendingId = 0;
    }
  }

  /// `timeout`: for the whole write (a download's grows with its size).
  template <class Body>
  void Send(http::response<Body> response, std::chrono::seconds timeout = kReadTimeout)
  {
    auto message = std::make_shared<http::response<Body>>(std::move(response));
    this->Stream.expires_after(timeout);
    http::async_write(this->Stream, *message,
      [self = this->shared_from_this(), message](beast::error_code ec, std::size_t) {
        if (ec || message->need_eof())
        {
          return self->Shutdown();
        }
        self->DoRead();
      });
  }

  // One cookie per stream: cookies ignore ports, so streams on one host that shared a name
  // would overwrite each other's token.
  std::string CookieName() const { return "renderstream_token_" + std::to_string(this->State->Port); }

  // The cookie that lets a browser in. No Path: the browser then scopes it to the directory
  // it asked for, which behind a proxy is the mount prefix (/viz/). Secure when the page came
  // over https (a TLS proxy says so): it must never travel in clear to http://same-host:port.
  void SetTokenCookie(Response& response, const Request& request, const std::string& token) const
  {
    const bool https = beast::iequals(request["X-Forwarded-Proto"], "https");
    response.set(http::field::set_cookie,
      this->CookieName() + "=" + token + "; HttpOnly; SameSite=Strict" + (https ? "; Secure" : ""));
  }

  /// Why `what` (a WebSocket, a sign-in) with this request's Origin and Host is refused
  /// (empty: it is not).
  std::string OriginRefusal(const Request& request, const char* what = "a WebSocket") const
  {
    if (this->State->OriginAllowed(request[http::field::origin], request[http::field::host]))
    {
      return {};
    }
    const std::string host(request[http::field::host]);
    return std::string(what) + " from a page at " + std::string(request[http::field::origin].substr(0, 200)) +
      (host.empty() ? ", and the request has no Host header" : ", which is not this server (Host " + host + ")") +
      ". Behind a proxy, forward the Host header as the browser sent it (nginx: proxy_set_header "
      "Host $http_host), or name that address with --public-url (SetPublicURL) or --allow-origin";
  }

  std::string PeerAddress()
  {
    beast::error_code ec;
    const auto endpoint = this->Stream.socket().remote_endpoint(ec);
    return ec ? std::string("an unknown client") : endpoint.address().to_string();
  }

  // Half-closes, then drains what the client still sends (briefly) so that closing with
  // unread bytes does not reset the connection before the client read our answer.
  void Shutdown()
  {
    beast::error_code ec;
    this->Stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    this->Stream.expires_after(std::chrono::seconds(1));
    this->Drain();
  }

  void Drain()
  {
    this->Stream.async_read_some(net::buffer(this->DrainBuffer),
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec)
        {
          beast::error_code ignored;
          self->Stream.socket().close(ignored);
          return;
        }
        self->Drain();
      });
  }

  /// Who asks, as the routing found out: the token (from the form, the query or the cookie),
  /// whether the request itself carried it (then the page sets the cookie), and its access.
  struct Caller
  {
    std::string Token;
    bool Presented = false;
    SharedState::Access Access = SharedState::Access::None;
    bool Probe = false; // POST /ws: "would an upgrade be accepted?", neither counted nor logged
  };
  using Endpoint = void (HttpSession::*)(Request, const RequestTarget&, const Caller&);

  enum Method : unsigned
  {
    Get = 1,
    Head = 2,
    Post = 4,
  };
  struct Route
  {
    const char* Path;       // nullptr: any embedded web file, "/main.js" (WebAssets.h)
    unsigned Methods;
    Endpoint Serve;
    bool Page = false;      // a browser without a token gets the sign-in page here
    bool Streams = false;   // takes a viewer slot (--max-clients)
    bool FormToken = false; // the token comes in the form body (POST /session)
    bool Public = false;    // no token needed: the same for everyone, no secret in it
    bool Prefix = false;    // Path and everything under it
  };
  // HEAD is answered like GET without the body, except on the two endpoints that stream.
  // POST /ws says whether an upgrade would be accepted now, and if not why (a browser does
  // not show a page why its WebSocket was refused).
  // The web files (scripts, styles) are public: the sign-in page, shown to callers without a
  // token, needs its own; the viewer's hold nothing the page's source does not show anyway.
  // Listed last, so /index.html stays the page (with its token rules).
  // (A function: the table names members, so it needs the complete class.)
  static const std::array<Route, 10>& Routes()
  {
    static const std::array<Route, 10> routes{ {
      { "/", Get | Head, &HttpSession::ServePage, true },
      { "/index.html", Get | Head, &HttpSession::ServePage, true },
      { "/session", Post, &HttpSession::ServeSignIn, false, false, true },
      { "/stats", Get | Head, &HttpSession::ServeStats },
      { "/metrics", Get | Head, &HttpSession::ServeMetrics },
      { "/snapshot.jpg", Get | Head, &HttpSession::ServeSnapshot },
      { "/stream.mjpeg", Get, &HttpSession::ServeMjpeg, false, true },
      { "/ws", Get | Post, &HttpSession::ServeWebSocket, false, true },
      { "/recordings/", Get | Head, &HttpSession::ServeRecordings, false, false, false, false, true },
      { nullptr, Get | Head, &HttpSession::ServeAsset, false, false, false, true },
    } };
    return routes;
  }

  // The embedded file a path names ("/main.js"), if any.
  static std::optional<WebAsset> WebFile(std::string_view path)
  {
    return path.size() > 1 && path[0] == '/' ? FindWebAsset(path.substr(1)) : std::nullopt;
  }

  static unsigned MethodBit(http::verb verb)
  {
    switch (verb)
    {
      case http::verb::get: return Get;
      case http::verb::head: return Head;
      case http::verb::post: return Post;
      default: return 0;
    }
  }

  Response PlainText(const Request& request, http::status status, std::string body)
  {
    return this->MakeResponse(request, status, "text/plain; charset=utf-8", std::move(body));
  }

  // Routing, then authorization once, then the endpoint.
  void Handle(Request request)
  {
    // Before anything else: a page on a rebinding domain is same-origin with us, and a 404
    // would already tell it something.
    if (!this->State->HostAllowed(request[http::field::host]))
    {
      const std::string host(request[http::field::host].substr(0, 200));
      this->State->Refuse(SharedState::Refused::Host, this->PeerAddress(),
        "a request for Host " + host + ", which is not a name of this server");
      return this->Send(this->PlainText(request, http::status::misdirected_request,
        "this server does not answer to the name " + host +
          " (a guard against DNS rebinding). Open it by an address, localhost or this machine's "
          "name; behind a proxy or tunnel with its own name, start it with --public-url "
          "(SetPublicURL) or --allow-origin naming that address.\n"));
    }
    RequestTarget target;
    if (!RequestTarget::Parse(request.target(), target))
    {
      return this->Send(this->PlainText(request, http::status::bad_request, "malformed request target or query string\n"));
    }
    const auto route = std::find_if(Routes().begin(), Routes().end(),
      [&](const Route& r) {
        return !r.Path ? WebFile(target.Path).has_value()
          : r.Prefix   ? target.Path.rfind(r.Path, 0) == 0
                       : target.Path == r.Path;
      });
    if (route == Routes().end())
    {
      return this->Send(this->PlainText(request, http::status::not_found, "not found\n"));
    }
    if (!(route->Methods & MethodBit(request.method())))
    {
      std::string allow;
      for (const auto& [bit, name] : { std::pair{ Get, "GET" }, { Head, "HEAD" }, { Post, "POST" } })
      {
        allow += route->Methods & bit ? std::string(allow.empty() ? "" : ", ") + name : "";
      }
      Response response = this->PlainText(request, http::status::method_not_allowed, "only " + allow + " here\n");
      response.set(http::field::allow, allow);
      return this->Send(std::move(response));
    }
    Caller caller;
    caller.Probe = target.Path == "/ws" && request.method() == http::verb::post;
    if (route->FormToken)
    {
      std::map<std::string, std::string> form;
      caller.Token = ParseForm(request.body(), form) && form.count("token") ? form["token"] : "";
      caller.Presented = true;
    }
    else
    {
      caller.Token = target.Get("token");
      caller.Presented = !caller.Token.empty();
      if (!caller.Presented)
      {
        caller.Token = FindCookie(request[http::field::cookie], this->CookieName());
      }
    }
    caller.Access = this->State->Authorize(caller.Token);
    if (caller.Access != SharedState::Access::None)
    {
      this->LeavePending();
    }
    else if (!route->Public)
    {
      return this->RefuseAnonymous(std::move(request), target, *route, caller);
    }
    if (route->Streams)
    {
      // Streaming endpoints take a client slot.
      if (const std::string refusal = this->State->Frames.Refusal(caller.Access == SharedState::Access::Full, this->PeerAddress());
          !refusal.empty())
      {
        if (!caller.Probe)
        {
          this->State->Refuse(SharedState::Refused::MaxClients, this->PeerAddress(),
            "a viewer: " + refusal + "; raise --max-clients (SetMaxClients) for more");
        }
        Response response = this->PlainText(request, http::status::service_unavailable,
          "too many viewers: " + refusal + "; try again later\n");
        response.set(http::field::retry_after, "5");
        response.keep_alive(false);
        return this->Send(std::move(response));
      }
    }
    (this->*route->Serve)(std::move(request), target, caller);
  }

  // No token, or a wrong one: a browser on a page gets the sign-in page, anyone else a 401
  // that says which link lets them in.
  void RefuseAnonymous(Request request, const RequestTarget& target, const Route& route, const Caller& caller)
  {
    // Not a refusal: a #token= link's first request (the sign-in page), or the probe.
    if (!caller.Probe && !(route.Page && caller.Token.empty()))
    {
      this->State->Refuse(SharedState::Refused::Token, this->PeerAddress(),
        std::string(caller.Token.empty() ? "no" : "a wrong") + " token for " + target.Path +
          "; the link the application printed carries the right one");
    }
    if (route.Page)
    {
      // Like a login form it is a page in its own right (200) until a token was presented.
      Response response = this->MakeResponse(request,
        caller.Token.empty() ? http::status::ok : http::status::unauthorized, "text/html; charset=utf-8",
        SignInPage(this->State->PageUrl()));
      response.set("Content-Security-Policy", this->State->SignInPolicy());
      return this->Send(std::move(response));
    }
    this->Send(this->PlainText(request, http::status::unauthorized,
      std::string(caller.Token.empty() ? "missing" : "wrong") + " token. Open the link the application printed (" +
        this->State->PageUrl() + "#token=...), which lets a browser in; or add ?token=<token> to the URL.\n"));
  }

  // POST /session: the sign-in page trades a link's token for the cookie. Only this server's
  // own pages may sign in (the WebSocket's Origin rule).
  void ServeSignIn(Request request, const RequestTarget&, const Caller& caller)
  {
    if (const std::string why = this->OriginRefusal(request, "a sign-in"); !why.empty())
    {
      this->State->Refuse(SharedState::Refused::Origin, this->PeerAddress(), why);
      return this->Send(this->PlainText(request, http::status::forbidden, "refused " + why + "\n"));
    }
    Response response = this->PlainText(request, http::status::no_content, "");
    this->SetTokenCookie(response, request, caller.Token);
    this->Send(std::move(response));
  }

  void ServePage(Request request, const RequestTarget&, const Caller& caller)
  {
    const WebAsset page = *FindWebAsset("index.html");
    Response response = this->MakeResponse(request, http::status::ok, std::string(page.ContentType), std::string(page.Body));
    response.set("Content-Security-Policy", this->State->ViewerPolicy());
    if (caller.Presented)
    {
      this->SetTokenCookie(response, request, caller.Token);
    }
    this->Send(std::move(response));
  }

  // GET /main.js, /viewer.css, /signin.js, ...: the pages' own files (no-store, like the pages).
  void ServeAsset(Request request, const RequestTarget& target, const Caller&)
  {
    const WebAsset file = *WebFile(target.Path);
    this->Send(this->MakeResponse(request, http::status::ok, std::string(file.ContentType), std::string(file.Body)));
  }

  void ServeStats(Request request, const RequestTarget&, const Caller& caller)
  {
    std::vector<ClientInfo> clients = this->State->Frames.Clients();
    if (caller.Access != SharedState::Access::Full)
    {
      for (ClientInfo& client : clients)
      {
        client.Remote.clear(); // viewers' addresses are for the owner only
      }
    }
    nlohmann::json more = nlohmann::json::object();
    this->State->Media->AddTo(more, caller.Access == SharedState::Access::Full);
    this->Send(this->MakeResponse(request, http::status::ok, "application/json",
      this->State->Stats.Json(this->State->Segment, clients, this->State->VideoEncoder, more)));
  }

  void ServeMetrics(Request request, const RequestTarget&, const Caller&)
  {
    this->Send(this->MakeResponse(request, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
      this->State->Stats.Prometheus(this->State->Segment, this->State->Frames.Clients())));
  }

  void ServeSnapshot(Request request, const RequestTarget& target, const Caller&)
  {
    int quality = 0;
    if (target.Query.count("quality"))
    {
      const std::string text = target.Get("quality");
      char* end = nullptr;
      const long value = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || value < 1 || value > 100)
      {
        return this->Send(this->PlainText(request, http::status::bad_request, "quality must be an integer within 1..100\n"));
      }
      quality = static_cast<int>(value);
    }
    this->SnapshotDeadline = std::chrono::steady_clock::now() + kFirstFrameWait;
    this->Snapshot(std::move(request), quality);
  }

  // GET recordings/: the recordings of --record-dir (JSON); recordings/NAME.mp4: one of them,
  // as a download. The full link's only: a view-only one gets 403.
  void ServeRecordings(Request request, const RequestTarget& target, const Caller& caller)
  {
    if (caller.Access != SharedState::Access::Full)
    {
      return this->Send(this->PlainText(request, http::status::forbidden, "recordings are for the full link only\n"));
    }
    const MediaOutputs& media = *this->State->Media;
    const std::string name = target.Path.substr(std::string_view("/recordings/").size());
    if (name.empty())
    {
      nlohmann::json list = nlohmann::json::array();
      for (const MediaOutputs::RecordingFile& file : media.Files())
      {
        list.push_back({ { "name", file.Name }, { "bytes", file.Bytes }, { "modified", IsoTime(file.Modified) } });
      }
      return this->Send(this->MakeResponse(request, http::status::ok, "application/json", list.dump(2) + "\n"));
    }
    const std::string path = media.PathOf(name);
    http::file_body::value_type file;
    beast::error_code ec;
    if (!path.empty())
    {
      file.open(path.c_str(), beast::file_mode::scan, ec);
    }
    if (path.empty() || ec)
    {
      return this->Send(this->PlainText(request, http::status::not_found, "no recording called " + name.substr(0, 200) + "\n"));
    }
    const std::uint64_t size = file.size();
    const auto timeout = kReadTimeout + std::chrono::seconds(size / kSlowestDownload);
    if (request.method() == http::verb::head)
    {
      http::response<http::empty_body> response{ http::status::ok, request.version() };
      SetHeaders(response, request, "video/mp4");
      response.content_length(size);
      return this->Send(std::move(response));
    }
    http::response<http::file_body> response{ http::status::ok, request.version() };
    SetHeaders(response, request, "video/mp4");
    response.set(http::field::content_disposition, "attachment; filename=\"" + name + "\"");
    response.body() = std::move(file);
    response.prepare_payload();
    this->Send(std::move(response), timeout);
  }

  // "2026-12-06T05:40:12Z"
  static std::string IsoTime(std::int64_t seconds)
  {
    const std::time_t time = static_cast<std::time_t>(seconds);
    std::tm utc{};
    ::gmtime_r(&time, &utc);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
  }

  void ServeMjpeg(Request, const RequestTarget&, const Caller& caller)
  {
    this->Stream.expires_never();
    std::make_shared<MjpegSession>(std::move(this->Stream), this->State, caller.Access == SharedState::Access::Full)->Run();
  }

  void ServeWebSocket(Request request, const RequestTarget& target, const Caller& caller)
  {
    if (caller.Probe)
    {
      const std::string why = this->OriginRefusal(request);
      return this->Send(why.empty() ? this->PlainText(request, http::status::no_content, "")
                                    : this->PlainText(request, http::status::forbidden, "refused " + why + "\n"));
    }
    if (!beast::websocket::is_upgrade(request))
    {
      Response response = this->PlainText(request, http::status::upgrade_required, "/ws expects a WebSocket upgrade\n");
      response.set(http::field::upgrade, "websocket");
      return this->Send(std::move(response));
    }
    if (const std::string why = this->OriginRefusal(request); !why.empty())
    {
      this->State->Refuse(SharedState::Refused::Origin, this->PeerAddress(), why);
      Response response = this->PlainText(request, http::status::forbidden, "refused " + why + "\n");
      response.keep_alive(false);
      return this->Send(std::move(response));
    }
    // ?codec=h264 asks for video; the hello says what the client gets (JPEG without encoder).
    const std::string codec = target.Query.count("codec") ? target.Get("codec") : "jpeg";
    if (codec != "jpeg" && codec != "h264")
    {
      return this->Send(this->PlainText(request, http::status::bad_request, "codec must be jpeg or h264\n"));
    }
    const bool video = codec == "h264" && !this->State->VideoEncoder.empty();
    std::make_shared<WebSocketSession>(
      std::move(this->Stream), this->State, caller.Access != SharedState::Access::Full, video)
      ->Run(std::move(request));
  }

  // Answers with the latest frame, polling up to kFirstFrameWait for the first one.
  void Snapshot(Request request, int quality)
  {
    const FramePtr latest = this->State->Frames.Latest();
    if (!latest)
    {
      if (std::chrono::steady_clock::now() >= this->SnapshotDeadline || this->State->ShuttingDown)
      {
        Response response = this->MakeResponse(request, http::status::service_unavailable,
          "text/plain; charset=utf-8", "no frame yet: the application has not rendered\n");
        response.set(http::field::retry_after, "1");
        return this->Send(std::move(response));
      }
      this->Timer.expires_after(std::chrono::milliseconds(20));
      this->Timer.async_wait([self = this->shared_from_this(), request = std::move(request),
                               quality](beast::error_code ec) mutable {
        if (ec)
        {
          return self->Shutdown();
        }
        self->Snapshot(std::move(request), quality);
      });
      return;
    }
    // HEAD encodes nothing: it answers with the held frame's headers.
    if (quality == 0 || request.method() == http::verb::head || !this->State->Snapshots)
    {
      return this->Send(this->MakeResponse(request, http::status::ok, "image/jpeg", latest->Data));
    }
    // Another quality: encoded on the SnapshotService's thread, answered back on ours.
    auto shared = std::make_shared<Request>(std::move(request));
    const bool queued = this->State->Snapshots->Request(quality,
      [self = this->shared_from_this(), shared, latest](SnapshotService::Jpeg jpeg) {
        net::post(self->Stream.get_executor(), [self, shared, latest, jpeg] {
          self->Send(self->MakeResponse(*shared, http::status::ok, "image/jpeg", jpeg ? *jpeg : latest->Data));
        });
      });
    if (!queued)
    {
      Response response = this->MakeResponse(*shared, http::status::service_unavailable,
        "text/plain; charset=utf-8", "busy: too many snapshots at other qualities are waiting\n");
      response.set(http::field::retry_after, "1");
      this->Send(std::move(response));
    }
  }

  ClientStream Stream;
  std::shared_ptr<SharedState> State;
  beast::flat_buffer Buffer;
  std::optional<http::request_parser<http::string_body>> Parser;
  net::steady_timer Timer{ this->Stream.get_executor() };
  std::chrono::steady_clock::time_point SnapshotDeadline;
  std::array<char, 4096> DrainBuffer;
  PendingConnections::Id PendingId = 0; // while it has not shown a token
};
} // namespace

void StartHttpSession(net::ip::tcp::socket socket, std::shared_ptr<SharedState> state)
{
  std::make_shared<HttpSession>(std::move(socket), std::move(state))->Run();
}
} // namespace renderstream::server
