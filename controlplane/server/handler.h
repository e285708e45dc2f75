// What a request handler sees: the Request, the Reply it answers through (one Response, or a
// chunked Stream for long-lived responses such as watches) and the Handler type itself.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace xebec::server {

// Orders strings ignoring ASCII case, for header names.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// Header name -> value; lookups ignore the case of the name. A repeated header has one entry per line.
using HeaderMap = std::multimap<std::string, std::string, CaseInsensitiveLess>;

// One authenticated HTTP request, body read in full.
struct Request {
  std::string method;                             // as sent: "GET", "POST", ...
  std::string target;                             // as sent: path and query, still percent-encoded
  std::string path;                               // the path of `target`, percent-decoded
  std::multimap<std::string, std::string> query;  // the query parameters, decoded ('+' is a space)
  HeaderMap headers;
  std::string body;
  std::string user;  // whom the bearer token belongs to

  // The first value of header `name` (any case), or "" if there is none.
  std::string_view header(std::string_view name) const;
};

struct Response {
  int status = 200;  // 200-599
  std::string content_type = "application/json";
  std::string body;
  // Extra headers. Content-Type comes from the field above, and the server sets Content-Length,
  // Transfer-Encoding and Connection itself: a response naming any of these is answered with a 500.
  HeaderMap headers;
};

// A response body sent in chunks while the handler (or whoever it hands the Stream to) has more
// to say, e.g. a watch. Any thread may call any method; chunks reach the client in the order
// write() was called. Shared by its holders; it does not keep the connection open: when the
// client goes, the server stops or the client falls too far behind, writes start returning false.
class Stream {
 public:
  virtual ~Stream() = default;
  // Queues `chunk` for the client without waiting for it to be sent. Returns false, and sends
  // nothing, once the stream is closed (by close(), the client leaving or the server stopping):
  // the writer should then stop and drop the Stream. An empty chunk is ignored.
  virtual bool write(std::string chunk) = 0;
  // Ends the response once the queued chunks are out. Safe to call more than once.
  virtual void close() = 0;
  // Whether writes are refused now; becomes true by itself when the client disconnects.
  virtual bool closed() const = 0;
};

// How a handler answers. It calls exactly one of send() and start_stream(), once, before it
// returns; a second call throws std::logic_error. Valid only during the handler call.
class Reply {
 public:
  virtual ~Reply() = default;
  virtual void send(Response response) = 0;
  // Sends the status line and headers of a chunked response and returns the Stream its body is
  // written to, which the handler may keep and use from any thread after it returns. The
  // connection is closed once the stream ends.
  virtual std::shared_ptr<Stream> start_stream(int status, std::string content_type, HeaderMap headers) = 0;
};

// Answers one request. Runs on one of the server's pool threads, one request at a time per
// connection, so a handler that blocks holds a pool thread: wait for long-lived things through a
// Stream instead. An exception it lets out becomes a 500 (if it had not replied yet).
using Handler = std::function<void(Request& request, Reply& reply)>;

}  // namespace xebec::server
