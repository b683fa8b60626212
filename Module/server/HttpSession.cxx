#include "HttpSession.h"

#include "MjpegSession.h"
#include "RequestTarget.h"
#include "SignInPage.h"
#include "SnapshotService.h"
#include "WebAssets.h"
#include "WebSocketSession.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
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

  ~HttpSession() { this->Authenticated(); }

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
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset)
    {
      return this->Shutdown();
    }
    if (ec == http::error::header_limit)
    {
      return this->SendError(http::status::request_header_fields_too_large, 11,
        "request headers over 8 KiB\n", true);
    }
    if (ec == http::error::body_limit)
    {
      return this->SendError(http::status::payload_too_large, 11, "request body too large\n", true);
    }
    if (ec)
    {
      return this->SendError(http::status::bad_request, 11, "malformed HTTP request\n", true);
    }
    this->State->Stats.HttpRequests.fetch_add(1, std::memory_order_relaxed);
    this->Handle(this->Parser->release());
  }

  Response MakeResponse(const Request& request, http::status status, std::string contentType,
    std::string body)
  {
    Response response{ status, request.version() };
    response.set(http::field::server, "renderstream-server");
    response.set(http::field::content_type, contentType);
    response.set(http::field::cache_control, "no-store");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    if (request.method() == http::verb::head)
    {
      response.body().clear(); // HEAD: the GET's headers, Content-Length included, no body
    }
    return response;
  }

  void SendError(http::status status, unsigned version, std::string body, bool close)
  {
    Request request;
    request.version(version);
    request.keep_alive(!close);
    this->Send(this->MakeResponse(request, status, "text/plain; charset=utf-8", std::move(body)));
  }

  /// No longer pending (it showed a token, or it ends).
  void Authenticated()
  {
    if (this->PendingId)
    {
      this->State->Pending.Remove(this->PendingId);
      this->PendingId = 0;
    }
  }

  void Send(Response response)
  {
    auto message = std::make_shared<Response>(std::move(response));
    this->Stream.expires_after(kReadTimeout);
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

  void Handle(Request request)
  {
    RequestTarget target;
    if (!RequestTarget::Parse(request.target(), target))
    {
      return this->Send(this->MakeResponse(request, http::status::bad_request,
        "text/plain; charset=utf-8", "malformed request target or query string\n"));
    }
    // Before anything else: a page on a rebinding domain is same-origin with us, and a 404
    // would already tell it something.
    if (!this->State->HostAllowed(request[http::field::host]))
    {
      const std::string host(request[http::field::host].substr(0, 200));
      this->State->Refuse(SharedState::Refused::Host, this->PeerAddress(),
        "a request for Host " + host + ", which is not a name of this server");
      return this->Send(this->MakeResponse(request, http::status::misdirected_request,
        "text/plain; charset=utf-8",
        "this server does not answer to the name " + host +
          " (a guard against DNS rebinding). Open it by an address, localhost or this machine's "
          "name; behind a proxy or tunnel with its own name, start it with --public-url "
          "(SetPublicURL) or --allow-origin naming that address.\n"));
    }
    static const char* const kPaths[] = { "/", "/index.html", "/stream.mjpeg", "/snapshot.jpg",
      "/stats", "/metrics", "/ws", "/session" };
    if (std::find(std::begin(kPaths), std::end(kPaths), target.Path) == std::end(kPaths))
    {
      return this->Send(this->MakeResponse(
        request, http::status::not_found, "text/plain; charset=utf-8", "not found\n"));
    }
    const bool page = target.Path == "/" || target.Path == "/index.html";
    const bool signIn = target.Path == "/session";
    // HEAD is answered like GET without the body, except on the two endpoints that stream.
    const bool streams = target.Path == "/stream.mjpeg" || target.Path == "/ws";
    // POST /ws: would an upgrade be accepted now, and if not, why? (A browser does not show a
    // page why its WebSocket was refused.) The same checks, answered, neither counted nor logged.
    const bool post = request.method() == http::verb::post;
    const bool probe = target.Path == "/ws" && post;
    const bool allowed = signIn ? post
                                : probe || request.method() == http::verb::get ||
        (request.method() == http::verb::head && !streams);
    if (!allowed)
    {
      Response response = this->MakeResponse(request, http::status::method_not_allowed,
        "text/plain; charset=utf-8",
        signIn ? "only POST is supported here\n" : streams ? "only GET is supported here\n"
                                                         : "only GET and HEAD are supported\n");
      response.set(http::field::allow, signIn ? "POST"
          : target.Path == "/ws"             ? "GET, POST"
          : streams                          ? "GET"
                                             : "GET, HEAD");
      return this->Send(std::move(response));
    }
    // The token: POST /session's form body (the sign-in page's), else ?token=, else the cookie.
    std::string token;
    bool presented = signIn;
    if (signIn)
    {
      std::map<std::string, std::string> form;
      if (ParseForm(request.body(), form) && form.count("token"))
      {
        token = form["token"];
      }
    }
    else
    {
      token = target.Get("token");
      presented = !token.empty();
      if (!presented)
      {
        token = FindCookie(request[http::field::cookie], this->CookieName());
      }
    }
    const SharedState::Access access = this->State->Authorize(token);
    if (access == SharedState::Access::None)
    {
      // Not a refusal: a #token= link's first request (the sign-in page), or the probe.
      if (!probe && !(page && token.empty()))
      {
        this->State->Refuse(SharedState::Refused::Token, this->PeerAddress(),
          std::string(token.empty() ? "no" : "a wrong") + " token for " + target.Path +
            "; the link the application printed carries the right one");
      }
      if (page)
      {
        // A browser: the sign-in page, which trades a link's #token= fragment for the cookie.
        // Like a login form it is a page in its own right (200) until a token was presented.
        Response response = this->MakeResponse(request,
          token.empty() ? http::status::ok : http::status::unauthorized,
          "text/html; charset=utf-8", SignInPage(this->State->PageUrl()));
        response.set("Content-Security-Policy", this->State->SignInPolicy());
        return this->Send(std::move(response));
      }
      return this->Send(this->MakeResponse(request, http::status::unauthorized,
        "text/plain; charset=utf-8",
        std::string(token.empty() ? "missing" : "wrong") +
          " token. Open the link the application printed (" + this->State->PageUrl() +
          "#token=...), which lets a browser in; or add ?token=<token> to the URL.\n"));
    }
    this->Authenticated();
    if (signIn)
    {
      // Only this server's own pages may sign in (the WebSocket's Origin rule).
      if (const std::string why = this->OriginRefusal(request, "a sign-in"); !why.empty())
      {
        this->State->Refuse(SharedState::Refused::Origin, this->PeerAddress(), why);
        return this->Send(this->MakeResponse(request, http::status::forbidden,
          "text/plain; charset=utf-8", "refused " + why + "\n"));
      }
      Response response = this->MakeResponse(request, http::status::no_content, "text/plain; charset=utf-8", "");
      this->SetTokenCookie(response, request, token);
      return this->Send(std::move(response));
    }
    if (page)
    {
      Response response = this->MakeResponse(
        request, http::status::ok, "text/html; charset=utf-8", std::string(IndexHtml()));
      response.set("Content-Security-Policy", this->State->ViewerPolicy());
      if (presented)
      {
        this->SetTokenCookie(response, request, token);
      }
      return this->Send(std::move(response));
    }
    if (target.Path == "/stats")
    {
      std::vector<ClientInfo> clients = this->State->Frames.Clients();
      for (ClientInfo& client : clients)
      {
        if (access != SharedState::Access::Full)
        {
          client.Remote.clear(); // viewers' addresses are for the owner only
        }
      }
      return this->Send(this->MakeResponse(request, http::status::ok, "application/json",
        this->State->Stats.Json(this->State->Segment, clients)));
    }
    if (target.Path == "/metrics")
    {
      return this->Send(this->MakeResponse(request, http::status::ok,
        "text/plain; version=0.0.4; charset=utf-8",
        this->State->Stats.Prometheus(
          this->State->Segment, this->State->Frames.Clients())));
    }
    if (target.Path == "/snapshot.jpg")
    {
      int quality = 0;
      if (target.Query.count("quality"))
      {
        const std::string text = target.Get("quality");
        char* end = nullptr;
        const long value = std::strtol(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || value < 1 || value > 100)
        {
          return this->Send(this->MakeResponse(request, http::status::bad_request,
            "text/plain; charset=utf-8", "quality must be an integer within 1..100\n"));
        }
        quality = static_cast<int>(value);
      }
      this->SnapshotDeadline = std::chrono::steady_clock::now() + kFirstFrameWait;
      return this->Snapshot(std::move(request), quality);
    }
    // Streaming endpoints take a client slot.
    const std::string refusal = this->State->Frames.Refusal(access == SharedState::Access::Full, this->PeerAddress());
    if (!refusal.empty())
    {
      if (!probe)
      {
        this->State->Refuse(SharedState::Refused::MaxClients, this->PeerAddress(),
          "a viewer: " + refusal + "; raise --max-clients (SetMaxClients) for more");
      }
      Response response = this->MakeResponse(request, http::status::service_unavailable,
        "text/plain; charset=utf-8", "too many viewers: " + refusal + "; try again later\n");
      response.set(http::field::retry_after, "5");
      response.keep_alive(false);
      return this->Send(std::move(response));
    }
    if (target.Path == "/stream.mjpeg")
    {
      this->Stream.expires_never();
      std::make_shared<MjpegSession>(std::move(this->Stream), this->State,
        access == SharedState::Access::Full)->Run();
      return;
    }
    // /ws
    if (probe)
    {
      const std::string why = this->OriginRefusal(request);
      return this->Send(why.empty()
          ? this->MakeResponse(request, http::status::no_content, "text/plain; charset=utf-8", "")
          : this->MakeResponse(request, http::status::forbidden, "text/plain; charset=utf-8", "refused " + why + "\n"));
    }
    if (!beast::websocket::is_upgrade(request))
    {
      Response response = this->MakeResponse(request, http::status::upgrade_required,
        "text/plain; charset=utf-8", "/ws expects a WebSocket upgrade\n");
      response.set(http::field::upgrade, "websocket");
      return this->Send(std::move(response));
    }
    if (const std::string why = this->OriginRefusal(request); !why.empty())
    {
      this->State->Refuse(SharedState::Refused::Origin, this->PeerAddress(), why);
      Response response = this->MakeResponse(request, http::status::forbidden,
        "text/plain; charset=utf-8", "refused " + why + "\n");
      response.keep_alive(false);
      return this->Send(std::move(response));
    }
    // ?codec=h264 asks for video; the hello says what the client gets (JPEG without encoder).
    const std::string codec = target.Query.count("codec") ? target.Get("codec") : "jpeg";
    if (codec != "jpeg" && codec != "h264")
    {
      return this->Send(this->MakeResponse(request, http::status::bad_request,
        "text/plain; charset=utf-8", "codec must be jpeg or h264\n"));
    }
    const bool video = codec == "h264" && !this->State->Stats.VideoEncoder.empty();
    const bool viewOnly = access != SharedState::Access::Full;
    std::make_shared<WebSocketSession>(std::move(this->Stream), this->State, viewOnly, video)
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

  beast::tcp_stream Stream;
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
