// renderstream-server over HTTP: real process, real sockets, real shared memory.
#include "BeastClient.h"
#include "ServerProcess.h"
#include "TestClient.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>

using namespace renderstream::testing;
using namespace std::chrono_literals;

namespace
{
constexpr std::uint32_t kW = 160;
constexpr std::uint32_t kH = 120;

// Channel-wise closeness of a decoded pixel to the pattern colour.
::testing::AssertionResult Near(const DecodedImage& image, int x, int y, Rgb want)
{
  const unsigned char* p = image.At(x, y);
  const int tolerance = 48;
  if (std::abs(p[0] - want.R) <= tolerance && std::abs(p[1] - want.G) <= tolerance &&
    std::abs(p[2] - want.B) <= tolerance)
  {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
    << "pixel (" << x << "," << y << ") is " << int(p[0]) << "," << int(p[1]) << ","
    << int(p[2]) << " want " << int(want.R) << "," << int(want.G) << "," << int(want.B);
}
} // namespace

TEST(ServerHttp, StartupLineGoesToStderrAndHeaderIsFilled)
{
  ServerProcess server;
  EXPECT_NE(server.Port, 0);
  EXPECT_EQ(server.Token.size(), 32u);
  EXPECT_EQ(server.ViewToken.size(), 32u);
  EXPECT_NE(server.Token, server.ViewToken);
  const std::string err = server.Stderr();
  EXPECT_NE(err.find("renderstream-server: serving http://127.0.0.1:" +
              std::to_string(server.Port) + "/#token=" + server.Token),
    std::string::npos)
    << err;
  EXPECT_NE(err.find(server.ViewToken), std::string::npos);
}

TEST(ServerHttp, SnapshotDecodesToThePublishedSizeAndPattern)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  const HttpReply reply = HttpGet(server.Port, server.Url("/snapshot.jpg", server.Token));
  ASSERT_EQ(reply.Status, 200) << reply.Error << reply.Body;
  EXPECT_EQ(reply.Header("content-type"), "image/jpeg");
  EXPECT_EQ(reply.Header("cache-control"), "no-store");
  ASSERT_TRUE(IsCompleteJpeg(reply.Body));
  const DecodedImage image = DecodeJpeg(reply.Body);
  ASSERT_TRUE(image.Ok);
  EXPECT_EQ(image.Width, int(kW));
  EXPECT_EQ(image.Height, int(kH));
  // Top-down in the JPEG: the top row is the last row in memory (bottom-up frame).
  EXPECT_TRUE(Near(image, 10, 5, { 255, 0, 0 }));       // top left red
  EXPECT_TRUE(Near(image, kW - 10, 5, { 0, 0, 255 }));  // top right blue
  EXPECT_TRUE(Near(image, 10, kH / 2 + 10, { 0, 255, 0 })); // bottom left green
  EXPECT_TRUE(Near(image, kW - 10, kH / 2 + 10, { 0, 0, 0 }));
}

TEST(ServerHttp, SnapshotQualityParameter)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 3);
  const HttpReply low = HttpGet(server.Port, server.Url("/snapshot.jpg?quality=5", server.Token));
  const HttpReply high = HttpGet(server.Port, server.Url("/snapshot.jpg?quality=100", server.Token));
  ASSERT_EQ(low.Status, 200);
  ASSERT_EQ(high.Status, 200);
  EXPECT_TRUE(IsCompleteJpeg(low.Body));
  EXPECT_LT(low.Body.size(), high.Body.size());
  for (const char* bad : { "0", "101", "abc", "", "-3", "50x" })
  {
    const HttpReply reply =
      HttpGet(server.Port, server.Url(std::string("/snapshot.jpg?quality=") + bad, server.Token));
    EXPECT_EQ(reply.Status, 400) << "quality=" << bad;
  }
}

TEST(ServerHttp, SnapshotBeforeTheFirstFrameWaitsThenAnswers503)
{
  ServerProcess server;
  const auto start = std::chrono::steady_clock::now();
  const HttpReply reply = HttpGet(server.Port, server.Url("/snapshot.jpg", server.Token));
  EXPECT_EQ(reply.Status, 503);
  EXPECT_NE(reply.Body.find("no frame yet"), std::string::npos);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1s);
}

TEST(ServerHttp, SnapshotWaitsForAFrameThatArrivesLate)
{
  ServerProcess server;
  std::thread late([&] {
    std::this_thread::sleep_for(300ms);
    server.PublishPattern(kW, kH, 1);
  });
  const HttpReply reply = HttpGet(server.Port, server.Url("/snapshot.jpg", server.Token));
  late.join();
  EXPECT_EQ(reply.Status, 200);
  EXPECT_TRUE(IsCompleteJpeg(reply.Body));
}

TEST(ServerHttp, MissingOrWrongTokenIs401WithHelp)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  for (const std::string& target : std::vector<std::string>{ "/snapshot.jpg", "/stats", "/metrics",
         "/stream.mjpeg", "/snapshot.jpg?token=wrong", "/?token=" + server.Token + "x" })
  {
    const HttpReply reply = HttpGet(server.Port, target);
    EXPECT_EQ(reply.Status, 401) << target;
    EXPECT_NE(reply.Body.find("token"), std::string::npos) << target;
    EXPECT_EQ(reply.Header("set-cookie"), "") << target;
  }
}

TEST(ServerHttp, PageSetsTheCookieAndTheCookieWorks)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  const HttpReply page = HttpGet(server.Port, server.Url("/", server.Token));
  ASSERT_EQ(page.Status, 200);
  EXPECT_NE(page.Header("content-type").find("text/html"), std::string::npos);
  EXPECT_NE(page.Body.find("<html"), std::string::npos);
  const std::string cookie = page.Header("set-cookie");
  // Named for this stream's port: cookies ignore ports, and two streams in one browser must
  // not overwrite each other's.
  const std::string name = "renderstream_token_" + std::to_string(server.Port);
  EXPECT_EQ(cookie.rfind(name + "=" + server.Token + ";", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain http: a Secure cookie would not be kept";
  // Behind a TLS proxy that says so, the cookie is Secure: never sent in clear to another port.
  const std::string overTls = HttpGet(server.Port, server.Url("/", server.Token),
    { { "X-Forwarded-Proto", "https" } }).Header("set-cookie");
  EXPECT_NE(overTls.find("; Secure"), std::string::npos) << overTls;
  const HttpReply withCookie = HttpGet(server.Port, "/snapshot.jpg",
    { { "Cookie", "other=1; " + name + "=" + server.Token } });
  EXPECT_EQ(withCookie.Status, 200);
  EXPECT_TRUE(IsCompleteJpeg(withCookie.Body));
  const HttpReply badCookie = HttpGet(server.Port, "/snapshot.jpg", { { "Cookie", name + "=nope" } });
  EXPECT_EQ(badCookie.Status, 401);
  const HttpReply otherStream = HttpGet(server.Port, "/snapshot.jpg",
    { { "Cookie", "renderstream_token_1=" + server.Token } });
  EXPECT_EQ(otherStream.Status, 401) << "another stream's cookie is not this one's";
}

TEST(ServerHttp, TheSignInPageTradesALinksFragmentForTheCookie)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  // A browser opening http://HOST:PORT/#token=T sends no token (a fragment stays in the
  // browser): it gets the sign-in page, whose script POSTs the fragment to "session".
  const HttpReply page = HttpGet(server.Port, "/");
  EXPECT_EQ(page.Status, 200) << "a page of its own, like a login form";
  EXPECT_EQ(page.Body.find("<canvas"), std::string::npos) << "not the viewer";
  EXPECT_NE(page.Header("content-type").find("text/html"), std::string::npos);
  EXPECT_NE(page.Body.find("http://127.0.0.1:" + std::to_string(server.Port) + "/#token=..."), std::string::npos)
    << "it says which link to open";
  EXPECT_NE(page.Body.find(R"(src="signin.js")"), std::string::npos) << "relative: prefix mounts work";
  // Its script and style are files (served without a token: it is for callers who have none),
  // so its policy allows nothing inline.
  EXPECT_EQ(page.Body.find("<script>"), std::string::npos);
  EXPECT_EQ(page.Body.find("<style"), std::string::npos);
  EXPECT_EQ(page.Header("content-security-policy"),
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'self'");
  const HttpReply script = HttpGet(server.Port, "/signin.js");
  EXPECT_EQ(script.Status, 200);
  EXPECT_NE(script.Body.find(R"(fetch("session")"), std::string::npos) << "relative: prefix mounts work";
  EXPECT_EQ(HttpGet(server.Port, "/signin.css").Header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(page.Header("set-cookie"), "");
  const HttpReply wrong = HttpGet(server.Port, "/?token=wrong");
  EXPECT_EQ(wrong.Status, 401);
  EXPECT_NE(wrong.Body.find("This link needs its token"), std::string::npos);

  const auto signIn = [&](const std::string& body, std::map<std::string, std::string> headers = {}) {
    headers.emplace("Content-Type", "application/x-www-form-urlencoded");
    return HttpRequest(server.Port, "/session", headers, "POST", body);
  };
  const HttpReply ok = signIn("token=" + server.Token);
  EXPECT_EQ(ok.Status, 204);
  const std::string cookie = ok.Header("set-cookie");
  const std::string name = "renderstream_token_" + std::to_string(server.Port);
  EXPECT_EQ(cookie, name + "=" + server.Token + "; HttpOnly; SameSite=Strict")
    << "no Path: the browser scopes it to the directory it asked, the mount prefix behind a proxy";
  EXPECT_EQ(HttpGet(server.Port, "/", { { "Cookie", name + "=" + server.Token } }).Status, 200);
  EXPECT_NE(signIn("token=" + server.Token, { { "X-Forwarded-Proto", "https" } }).Header("set-cookie").find("; Secure"),
    std::string::npos);
  EXPECT_EQ(signIn("token=" + server.ViewToken).Status, 204) << "the view-only link signs in too";

  // What must not let anyone in: a wrong or missing token, another page's origin, a GET.
  for (const std::string& body : { std::string("token=wrong"), std::string(), "x=" + server.Token,
         "token=" + server.Token + "%00" })
  {
    const HttpReply refused = signIn(body);
    EXPECT_TRUE(refused.Status == 401 || refused.Status == 400) << body << ": " << refused.Status;
    EXPECT_EQ(refused.Header("set-cookie"), "") << body;
  }
  const HttpReply foreign = signIn("token=" + server.Token, { { "Origin", "http://127.0.0.1:1" } });
  EXPECT_EQ(foreign.Status, 403);
  EXPECT_EQ(foreign.Header("set-cookie"), "");
  EXPECT_NE(foreign.Body.find("refused a sign-in from a page at http://127.0.0.1:1"), std::string::npos) << foreign.Body;
  const HttpReply get = HttpGet(server.Port, "/session?token=" + server.Token);
  EXPECT_EQ(get.Status, 405);
  EXPECT_EQ(get.Header("allow"), "POST");
  EXPECT_EQ(get.Header("set-cookie"), "");
  EXPECT_GE(GetStats(server.Port, server.Token)["refused"]["token"].get<int>(), 3);
}

TEST(ServerHttp, TheViewerPageLoadsItsScriptAndStyleFromFilesAndAllowsNothingInline)
{
  ServerProcess server;
  const HttpReply page = HttpGet(server.Port, server.Url("/", server.Token));
  ASSERT_EQ(page.Status, 200);
  EXPECT_EQ(page.Header("content-security-policy"),
    "default-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'self'");
  EXPECT_NE(page.Body.find(R"(<script type="module" src="main.js">)"), std::string::npos) << "relative: prefix mounts work";
  EXPECT_NE(page.Body.find(R"(<link rel="stylesheet" href="viewer.css">)"), std::string::npos);
  for (const char* inline_ : { "<script>", "<style", " style=", " onclick=", " onload=" })
  {
    EXPECT_EQ(page.Body.find(inline_), std::string::npos) << inline_;
  }
}

TEST(ServerHttp, TheWebFilesAreServedWithoutATokenOnlyToThisServersNames)
{
  ServerProcess server;
  // No secret in them, and the sign-in page (for callers without a token) needs its own.
  const HttpReply script = HttpGet(server.Port, "/main.js");
  ASSERT_EQ(script.Status, 200);
  EXPECT_EQ(script.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(script.Header("cache-control"), "no-store") << "like the page: a new server, new files";
  EXPECT_NE(script.Body.find("window.renderStream"), std::string::npos);
  EXPECT_EQ(script.Header("set-cookie"), "");
  const HttpReply style = HttpGet(server.Port, server.Url("/viewer.css", server.Token));
  EXPECT_EQ(style.Status, 200);
  EXPECT_EQ(style.Header("content-type"), "text/css; charset=utf-8");
  const HttpReply head = HttpRequest(server.Port, "/geometry.js", {}, "HEAD");
  EXPECT_EQ(head.Status, 200);
  EXPECT_EQ(head.Body, "");
  EXPECT_NE(head.Header("content-length"), "0");
  const HttpReply post = HttpRequest(server.Port, "/main.js", {}, "POST", "x");
  EXPECT_EQ(post.Status, 405);
  EXPECT_EQ(post.Header("allow"), "GET, HEAD");
  for (const std::string& unknown : { "/nope.js", "/web/main.js", "/main.js/", "/Main.js", "/screenshot.png", "/.js" })
  {
    EXPECT_EQ(HttpGet(server.Port, server.Url(unknown, server.Token)).Status, 404) << unknown;
  }
  EXPECT_EQ(HttpGet(server.Port, "/main.js", { { "Host", "attacker.example:" + std::to_string(server.Port) } }).Status, 421)
    << "the DNS-rebinding guard comes first";
  EXPECT_EQ(HttpGet(server.Port, "/main.js", { { "Host", "localhost:" + std::to_string(server.Port) } }).Status, 200);
  EXPECT_EQ(GetStats(server.Port, server.Token)["refused"]["token"].get<int>(), 0) << "not refusals";
}

TEST(ServerHttp, APublicUrlIsShownOnTheSignInPageAndItsOriginIsAllowed)
{
  ServerProcess server({ "--public-url", "HTTPS://Viz.Example:443/renderstream" });
  EXPECT_NE(server.Stderr().find("serving https://viz.example/renderstream/#token=" + server.Token),
    std::string::npos) << server.Stderr();
  EXPECT_NE(HttpGet(server.Port, "/").Body.find("https://viz.example/renderstream/#token=..."), std::string::npos);
  EXPECT_NE(HttpGet(server.Port, "/stats").Body.find("https://viz.example/renderstream/#token=..."), std::string::npos);
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.Token), "https://viz.example"), 101);
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.Token), "https://viz.example:8443"), 403)
    << "its origin only, port included";
}

TEST(ServerHttp, OnlyTrustedOriginsMayFrameThePages)
{
  // A notebook (or a portal) shows the viewer in an iframe: its origin is named with
  // --allow-origin (renderstream.jupyter does that), and no other site may frame it.
  ServerProcess plain;
  ServerProcess notebook({ "--allow-origin", "http://127.0.0.1:8888", "--public-url", "https://viz.example/nb/" });
  const auto frameAncestors = [](const HttpReply& reply) {
    const std::string policy = reply.Header("content-security-policy");
    const auto at = policy.find("frame-ancestors ");
    return at == std::string::npos ? "(none in " + policy + ")" : policy.substr(at, policy.find(';', at) - at);
  };
  EXPECT_EQ(frameAncestors(HttpGet(plain.Port, plain.Url("/", plain.Token))), "frame-ancestors 'self'");
  EXPECT_EQ(frameAncestors(HttpGet(notebook.Port, notebook.Url("/", notebook.Token))),
    "frame-ancestors 'self' http://127.0.0.1:8888 https://viz.example");
  // The sign-in page (a framed #token= link's first answer) is framed by the same origins.
  EXPECT_EQ(frameAncestors(HttpGet(notebook.Port, "/")), "frame-ancestors 'self' http://127.0.0.1:8888 https://viz.example");
  EXPECT_EQ(frameAncestors(HttpGet(plain.Port, "/")), "frame-ancestors 'self'");
}

TEST(ServerHttp, AHostThatIsNotThisServersNameIs421)
{
  // DNS rebinding: a page at http://attacker.example:PORT whose name now resolves to
  // 127.0.0.1 is same-origin with the server. Its requests carry Host attacker.example.
  ServerProcess server({ "--public-url", "https://viz.example/renderstream/", "--allow-origin", "http://portal.example:8080" });
  server.PublishPattern(kW, kH, 1);
  const std::string port = std::to_string(server.Port);
  const auto withHost = [&](const std::string& host, const std::string& target) {
    return HttpGet(server.Port, target, { { "Host", host } });
  };
  for (const std::string& host : std::vector<std::string>{ "attacker.example:" + port, std::string("attacker.example"),
         "localhost.attacker.example:" + port, "127.0.0.1.attacker.example", std::string("viz.example.attacker"),
         std::string("bad host"), std::string("user@127.0.0.1") })
  {
    const HttpReply rebound = withHost(host, server.Url("/snapshot.jpg", server.Token));
    EXPECT_EQ(rebound.Status, 421) << host;
    EXPECT_EQ(rebound.Header("content-type").find("image/"), std::string::npos) << host;
    EXPECT_NE(rebound.Body.find("--public-url"), std::string::npos) << "it says how to fix it: " << rebound.Body;
    EXPECT_EQ(withHost(host, "/").Status, 421) << "the sign-in page too: " << host;
  }
  // What must keep working: addresses, loopback names, this machine's name, the public and
  // trusted hosts (any port: a tunnel or proxy changes it), and clients that send no Host.
  char machine[256] = {};
  ::gethostname(machine, sizeof(machine) - 1);
  for (const std::string& host : std::vector<std::string>{ "127.0.0.1:" + port, "[::1]:" + port, std::string("192.0.2.7"), "localhost:" + port,
         std::string("LocalHost."), "app.localhost:" + port, std::string(machine), std::string("viz.example"),
         std::string("VIZ.example:443"), std::string("portal.example:9999") })
  {
    EXPECT_EQ(withHost(host, server.Url("/snapshot.jpg", server.Token)).Status, 200) << host;
  }
  {
    net::io_context ioc;
    tcp::socket socket = Connect(ioc, server.Port);
    http::request<http::empty_body> request{ http::verb::get, server.Url("/snapshot.jpg", server.Token), 10 };
    http::write(socket, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    EXPECT_EQ(response.result_int(), 200u) << "HTTP/1.0 without Host";
  }
  const nlohmann::json stats = GetStats(server.Port, server.Token);
  EXPECT_EQ(stats["refused"]["host"], 14);
  EXPECT_NE(HttpGet(server.Port, server.Url("/metrics", server.Token)).Body.find("renderstream_refused_total{cause=\"host\"} 14"),
    std::string::npos);
  EXPECT_NE(server.Stderr().find("not a name of this server"), std::string::npos) << server.Stderr();
}

TEST(ServerHttp, TwoStreamsInOneBrowserKeepTheirOwnCookies)
{
  ServerProcess first, second;
  first.PublishPattern(kW, kH, 1);
  second.PublishPattern(kW, kH, 1);
  const std::string a = HttpGet(first.Port, first.Url("/", first.Token)).Header("set-cookie");
  const std::string b = HttpGet(second.Port, second.Url("/", second.Token)).Header("set-cookie");
  // A browser sends both cookies to both ports (cookies ignore ports); each stream uses its own.
  const std::string jar = a.substr(0, a.find(';')) + "; " + b.substr(0, b.find(';'));
  EXPECT_EQ(HttpGet(first.Port, "/snapshot.jpg", { { "Cookie", jar } }).Status, 200);
  EXPECT_EQ(HttpGet(second.Port, "/snapshot.jpg", { { "Cookie", jar } }).Status, 200);
}

TEST(ServerHttp, EscapesInTheQueryMustBeWholeAndNotNul)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  EXPECT_EQ(HttpGet(server.Port, "/snapshot.jpg?token=" + server.Token).Status, 200);
  EXPECT_EQ(HttpGet(server.Port, "/snapshot.jpg?token=" + server.Token + "%00junk").Status, 400)
    << "a NUL would cut the token short";
  EXPECT_EQ(HttpGet(server.Port, "/snapshot.jpg?token=" + server.Token + "%zz").Status, 400);
  EXPECT_EQ(HttpGet(server.Port, "/snapshot.jpg?token=" + server.Token + "%4").Status, 400);
}

TEST(ServerHttp, ViewersAddressesAreShownToTheOwnerOnly)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  MjpegClient viewer(server.Port, server.Url("/stream.mjpeg", server.ViewToken));
  std::string part;
  ASSERT_TRUE(viewer.NextPart(part));
  const nlohmann::json owner = GetStats(server.Port, server.Token);
  const nlohmann::json watcher = GetStats(server.Port, server.ViewToken);
  ASSERT_EQ(owner["clientList"].size(), 1u);
  EXPECT_EQ(owner["clientList"][0]["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(watcher["clientList"][0]["remote"], "hidden");
}

TEST(ServerHttp, ViewTokenMayWatch)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  EXPECT_EQ(HttpGet(server.Port, server.Url("/snapshot.jpg", server.ViewToken)).Status, 200);
  EXPECT_EQ(HttpGet(server.Port, server.Url("/", server.ViewToken)).Status, 200);
}

TEST(ServerHttp, UnknownPathIs404WrongMethodIs405)
{
  ServerProcess server;
  EXPECT_EQ(HttpGet(server.Port, server.Url("/nope", server.Token)).Status, 404);
  EXPECT_EQ(HttpGet(server.Port, "/../../etc/passwd").Status, 404);
  EXPECT_EQ(HttpGet(server.Port, "/index.html/../../etc/passwd").Status, 404);
  const HttpReply post =
    HttpRequest(server.Port, server.Url("/stats", server.Token), {}, "POST", "x");
  EXPECT_EQ(post.Status, 405);
  EXPECT_EQ(post.Header("allow"), "GET, HEAD");
  EXPECT_EQ(HttpRequest(server.Port, "/", {}, "DELETE").Status, 405);
}

TEST(ServerHttp, HeadAnswersLikeGetWithoutBody)
{
  ServerProcess server;
  const HttpReply get = HttpGet(server.Port, server.Url("/", server.Token));
  const HttpReply head =
    HttpRequest(server.Port, server.Url("/", server.Token), {}, "HEAD");
  ASSERT_EQ(head.Status, 200) << head.Error;
  EXPECT_EQ(head.Header("content-type"), get.Header("content-type"));
  EXPECT_EQ(head.Header("content-length"), std::to_string(get.Body.size()));
  EXPECT_TRUE(head.Body.empty());
  EXPECT_EQ(HttpRequest(server.Port, "/stats", {}, "HEAD").Status, 401);
  for (const char* path : { "/stream.mjpeg", "/ws" })
  {
    const HttpReply stream =
      HttpRequest(server.Port, server.Url(path, server.Token), {}, "HEAD");
    EXPECT_EQ(stream.Status, 405) << path;
    EXPECT_EQ(stream.Header("allow"), std::string(path) == "/ws" ? "GET, POST" : "GET") << path;
  }

  // No stray body bytes: a GET on the same connection right after a HEAD is answered intact.
  net::io_context ioc;
  tcp::socket socket = Connect(ioc, server.Port);
  beast::flat_buffer buffer;
  for (const http::verb method : { http::verb::head, http::verb::get })
  {
    http::request<http::empty_body> request{ method, server.Url("/stats", server.Token), 11 };
    request.set(http::field::host, "127.0.0.1");
    http::write(socket, request);
    http::response_parser<http::string_body> parser;
    parser.skip(method == http::verb::head);
    http::read(socket, buffer, parser);
    EXPECT_EQ(parser.get().result_int(), 200u);
    const bool isJson = !nlohmann::json::parse(parser.get().body(), nullptr, false).is_discarded();
    EXPECT_EQ(isJson, method == http::verb::get); // HEAD: empty body; GET: the whole document
  }
}

TEST(ServerHttp, OversizedHeaderIs431AndBodyIs413)
{
  ServerProcess server;
  const std::string big(20000, 'a');
  EXPECT_EQ(RawStatus(RawExchange(server.Port,
              "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + big + "\r\n\r\n")),
    431);
  EXPECT_EQ(RawStatus(RawExchange(server.Port,
              "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n" +
                std::string(100000, 'b'))),
    413);
  EXPECT_EQ(RawStatus(RawExchange(server.Port, "NONSENSE\r\n\r\n")), 400);
  // Still serving.
  EXPECT_EQ(HttpGet(server.Port, server.Url("/stats", server.Token)).Status, 200);
}

TEST(ServerHttp, MjpegPartsAreCompleteJpegsWithChangingContent)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  MjpegClient client(server.Port, server.Url("/stream.mjpeg", server.Token));
  ASSERT_EQ(client.Status, 200) << client.Head;
  EXPECT_NE(client.Head.find("multipart/x-mixed-replace; boundary="), std::string::npos);
  // Proxies (nginx buffers by default) must pass each part on at once and leave it alone.
  EXPECT_NE(client.Head.find("Cache-Control: no-store, no-transform\r\n"), std::string::npos);
  EXPECT_NE(client.Head.find("X-Accel-Buffering: no\r\n"), std::string::npos);
  std::vector<std::string> parts;
  std::thread producer([&] {
    for (int i = 2; i <= 6; ++i)
    {
      std::this_thread::sleep_for(60ms);
      server.PublishPattern(kW, kH, i);
    }
  });
  std::string jpeg;
  while (parts.size() < 4 && client.NextPart(jpeg))
  {
    parts.push_back(jpeg);
  }
  producer.join();
  ASSERT_GE(parts.size(), 4u);
  for (std::size_t i = 0; i < parts.size(); ++i)
  {
    EXPECT_TRUE(IsCompleteJpeg(parts[i])) << i;
    const DecodedImage image = DecodeJpeg(parts[i]);
    ASSERT_TRUE(image.Ok);
    EXPECT_EQ(image.Width, int(kW));
    if (i > 0)
    {
      EXPECT_NE(parts[i], parts[i - 1]) << "part " << i << " repeats the previous one";
    }
  }
}

TEST(ServerHttp, StatsAndMetricsCarryTheCounters)
{
  ServerProcess server;
  for (int i = 1; i <= 3; ++i)
  {
    server.PublishPattern(kW, kH, i);
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(HttpGet(server.Port, server.Url("/snapshot.jpg", server.Token)).Status, 200);
  // Once the still is out nothing more is encoded, so the segment's count below can match.
  WaitForStats(server.Port, server.Token, [](const nlohmann::json& s) { return s["frames"]["stills"] >= 1; });
  const HttpReply stats = HttpGet(server.Port, server.Url("/stats", server.Token));
  ASSERT_EQ(stats.Status, 200);
  EXPECT_EQ(stats.Header("content-type"), "application/json");
  const auto json = nlohmann::json::parse(stats.Body, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << stats.Body;
  EXPECT_EQ(json["frames"]["captured"], 3);
  EXPECT_GE(json["frames"]["encoded"].get<int>(), 1);
  for (const char* key : { "sent", "dropped", "acquired", "stills", "duplicates" })
  {
    EXPECT_TRUE(json["frames"].contains(key)) << key;
  }
  for (const char* key : { "fps", "encodeMs", "bytesSent", "input", "clients", "clientList" })
  {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_TRUE(json["encodeMs"].contains("p95"));
  EXPECT_TRUE(json["input"].contains("ringOverflows"));
  const HttpReply metrics = HttpGet(server.Port, server.Url("/metrics", server.Token));
  ASSERT_EQ(metrics.Status, 200);
  EXPECT_NE(metrics.Body.find("renderstream_frames_encoded_total"), std::string::npos);
  EXPECT_NE(metrics.Body.find("renderstream_frames_captured_total 3"), std::string::npos);
  EXPECT_NE(metrics.Body.find("# TYPE renderstream_clients gauge"), std::string::npos);
  EXPECT_EQ(server.Segment->FramesEncoded(), json["frames"]["encoded"].get<std::uint64_t>() + json["frames"]["stills"].get<std::uint64_t>());
}

TEST(ServerHttp, IdenticalFramesAreNotReencoded)
{
  ServerProcess server({ "--still-quality", "80" }); // no still re-encode in this test
  for (int i = 0; i < 3; ++i)
  {
    server.PublishPattern(kW, kH, 1);
    ASSERT_TRUE(server.WaitTaken()); // three frames, not one the watcher merged
  }
  const auto json = WaitForStats(
    server.Port, server.Token, [](const nlohmann::json& s) { return s["frames"]["duplicates"] >= 2; });
  EXPECT_EQ(json["frames"]["encoded"], 1);
  EXPECT_EQ(json["frames"]["duplicates"], 2);
}

TEST(ServerHttp, StillFrameFollowsWhenTheSceneSettles)
{
  ServerProcess server; // quality 80, still 92
  server.PublishPattern(kW, kH, 1);
  WaitForStats(server.Port, server.Token, [](const nlohmann::json& s) { return s["frames"]["stills"] >= 1; });
  std::this_thread::sleep_for(600ms); // and nothing more: one frame, one still
  const auto json = GetStats(server.Port, server.Token);
  EXPECT_EQ(json["frames"]["encoded"], 1);
  EXPECT_EQ(json["frames"]["stills"], 1);
}

TEST(ServerHttp, ViewOnlyViewersCannotTakeTheOwnersSlots)
{
  ServerProcess server({ "--max-clients", "8" });
  server.PublishPattern(kW, kH, 1);
  std::vector<std::unique_ptr<MjpegClient>> watchers;
  for (int i = 0; i < 7; ++i) // 8 slots, 1 (1/8) kept for the full token
  {
    watchers.push_back(std::make_unique<MjpegClient>(server.Port, server.Url("/stream.mjpeg", server.ViewToken)));
    ASSERT_EQ(watchers.back()->Status, 200) << "view-only viewer " << i;
  }
  std::this_thread::sleep_for(100ms);
  const HttpReply eighth = HttpGet(server.Port, server.Url("/stream.mjpeg", server.ViewToken));
  EXPECT_EQ(eighth.Status, 503);
  EXPECT_NE(eighth.Body.find("kept for the full-access link"), std::string::npos) << eighth.Body;
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.ViewToken)), 503);
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.Token)), 101) << "the owner still gets in";
}

TEST(ServerHttp, MaxClientsAnswers503)
{
  ServerProcess server({ "--max-clients", "2" });
  server.PublishPattern(kW, kH, 1);
  MjpegClient a(server.Port, server.Url("/stream.mjpeg", server.Token));
  MjpegClient b(server.Port, server.Url("/stream.mjpeg", server.Token));
  ASSERT_EQ(a.Status, 200);
  ASSERT_EQ(b.Status, 200);
  std::this_thread::sleep_for(100ms);
  const HttpReply third = HttpGet(server.Port, server.Url("/stream.mjpeg", server.Token));
  EXPECT_EQ(third.Status, 503);
  EXPECT_NE(third.Body.find("--max-clients"), std::string::npos);
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.Token)), 503);
  EXPECT_EQ(server.Segment->Viewers(), 2u);
  // Snapshots and stats do not take a slot.
  EXPECT_EQ(HttpGet(server.Port, server.Url("/snapshot.jpg", server.Token)).Status, 200);
}

// One address may hold a quarter of the slots (at least 4), so one machine cannot take them
// all; loopback is exempt, since proxies and tunnels connect from there for everyone.
TEST(ServerHttp, OneAddressMayNotTakeEverySlot)
{
  std::string lan; // this machine's own non-loopback IPv4 address, to connect from
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0)
  {
    for (const ifaddrs* i = list; i && lan.empty(); i = i->ifa_next)
    {
      if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && !(i->ifa_flags & IFF_LOOPBACK) && (i->ifa_flags & IFF_UP))
      {
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof(text));
        lan = text;
      }
    }
    ::freeifaddrs(list);
  }
  if (lan.empty())
  {
    GTEST_SKIP() << "no non-loopback IPv4 address here";
  }
  ServerProcess server({ "--bind", "0.0.0.0", "--max-clients", "12" }); // 4 per address
  server.PublishPattern(kW, kH, 1);
  net::io_context ioc;
  std::vector<tcp::socket> streams; // held open: each is a viewer
  streams.reserve(8);
  const auto openStream = [&](const std::string& from) {
    tcp::socket& socket = streams.emplace_back(ioc);
    socket.connect(tcp::endpoint(net::ip::make_address(from), server.Port));
    SetTimeouts(socket, 5s);
    const std::string request = "GET /stream.mjpeg?token=" + server.Token + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    net::write(socket, net::buffer(request));
    std::string head(512, '\0');
    const ssize_t n = ::recv(socket.native_handle(), head.data(), head.size(), 0);
    head.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return head;
  };
  for (int i = 0; i < 4; ++i)
  {
    ASSERT_EQ(openStream(lan).rfind("HTTP/1.1 200", 0), 0u) << "viewer " << i + 1 << " from " << lan;
  }
  const std::string fifth = openStream(lan);
  EXPECT_EQ(fifth.rfind("HTTP/1.1 503", 0), 0u) << fifth;
  EXPECT_NE(fifth.find("at most 4 viewers may watch from one address (" + lan + ")"), std::string::npos) << fifth;
  EXPECT_EQ(openStream("127.0.0.1").rfind("HTTP/1.1 200", 0), 0u) << "loopback is exempt";
  EXPECT_EQ(server.Segment->Viewers(), 5u);
}

TEST(ServerHttp, MalformedRequestsGetTheirStatusAndTheServerKeepsServing)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  const std::string token = server.Token;
  const struct
  {
    const char* What;
    std::string Request;
    int Status;
  } cases[] = {
    { "garbage request line", "NONSENSE\r\n\r\n", 400 },
    { "absolute-form target", "GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    { "asterisk target", "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    { "bad HTTP version", "GET / HTTP/7.5\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    { "header without colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", 400 },
    { "unknown method", "BREW /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405 },
    { "PUT", "PUT /snapshot.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\n\r\nx", 405 },
    { "huge header", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + std::string(9000, 'a') + "\r\n\r\n", 431 },
    { "many headers", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + [] {
       std::string h;
       for (int i = 0; i < 1000; ++i)
       {
         h += "X-" + std::to_string(i) + ": v\r\n";
       }
       return h;
     }() + "\r\n", 431 },
    { "declared huge body", "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999999\r\n\r\n", 413 },
    { "chunked huge body",
      "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n" +
        std::string(8192, 'c'),
      413 },
    { "path traversal", "GET /../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404 },
    { "encoded traversal", "GET /%2e%2e/etc/passwd?token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404 },
    { "control char in path", "GET /st\x01ts HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    { "quality not a number", "GET /snapshot.jpg?quality=hi&token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    { "quality out of range", "GET /snapshot.jpg?quality=1000&token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    { "empty token", "GET /stats?token= HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 401 },
    { "token in wrong case", "GET /stats?TOKEN=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 401 },
    { "malformed cookie", "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ;;=;renderstream_token\r\n\r\n", 401 },
    { "ws without upgrade", "GET /ws?token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 426 },
  };
  for (const auto& c : cases)
  {
    EXPECT_EQ(RawStatus(RawExchange(server.Port, c.Request)), c.Status) << c.What;
  }
  const HttpReply after = HttpGet(server.Port, server.Url("/snapshot.jpg", server.Token));
  EXPECT_EQ(after.Status, 200);
  EXPECT_TRUE(IsCompleteJpeg(after.Body));
}
