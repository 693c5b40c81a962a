// libFuzzer target for the HTTP/1.1 request parser. The first byte says
// where to split the rest into two feeds (parsing must not depend on how
// bytes arrive); small limits make every limit reachable in short inputs.
// Invariants: no crash; the two splits give the same events; after an
// error nothing more comes; body chunks never exceed the declared length;
// finish() after an error or between requests adds nothing. Every head's
// target also goes through parse_origin_form, a Range through parse_range.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/request_parser.hpp"
#include "http/range.hpp"
#include "http/target.hpp"

namespace {

using namespace confab;
using namespace confab::http;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "http_request invariant broken: %s\n", what);
    std::abort();
  }
}

// A compact trace of the events, for comparing two runs.
std::string run(ByteView input, std::size_t split) {
  RequestParser p(RequestLimits{.max_request_line = 256, .max_field_line = 128, .max_fields = 8, .max_head_size = 1024,
                                .max_body = 4096, .max_chunk = 64});
  std::string trace;
  bool failed = false;
  std::uint64_t body_left = 0;
  auto drain = [&] {
    while (auto e = p.poll_event()) {
      check(!failed, "an event after an error");
      if (auto* h = std::get_if<RequestHead>(&*e)) {
        check(body_left == 0, "a head inside a body");
        body_left = h->content_length;
        trace += "H" + h->method + " " + h->target + " " + std::to_string(h->content_length) + ";";
        (void)parse_origin_form(h->target);
        if (auto range = h->header("Range")) {
          auto r = parse_range(*range, 1000);
          if (auto* br = std::get_if<ByteRange>(&r)) check(br->first <= br->last && br->last < 1000, "a range outside the file");
        }
      } else if (auto* b = std::get_if<BodyChunk>(&*e)) {
        check(!b->bytes.empty() && b->bytes.size() <= 64 && b->bytes.size() <= body_left, "a body chunk out of bounds");
        body_left -= b->bytes.size();
        trace.append(as_chars(b->bytes));
      } else if (std::holds_alternative<MessageComplete>(*e)) {
        check(body_left == 0, "a message completed before its body");
        trace += "C;";
      } else {
        const auto& err = std::get<HttpError>(*e);
        check(err.status >= 400 && err.status < 600 && !err.what.empty(), "an error without status or reason");
        failed = true;
        trace += "E" + std::to_string(err.status) + ";";
      }
    }
  };
  p.feed(input.subspan(0, split));
  drain();
  p.feed(input.subspan(split));
  drain();
  if (auto err = p.finish()) {
    check(!failed, "finish() after an error");
    trace += "F" + std::to_string(err->status) + ";";
  }
  check(!p.poll_event() || failed, "events after finish()");
  return trace;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView input(data + 1, size - 1);
  const std::size_t split = input.empty() ? 0 : data[0] % (input.size() + 1);
  check(run(input, split) == run(input, input.size()), "the result depends on how the bytes were split");
  return 0;
}
