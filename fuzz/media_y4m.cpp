// libFuzzer target for the Y4M reader: read arbitrary bytes frame by frame;
// every frame read must be consistent with the header, and writing header
// and frames out must read back to the same pixels.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "media/y4m.hpp"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "media_y4m invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace confab;
  auto reader = media::Y4mReader::from_memory(ByteView(data, size), "fuzz.y4m");
  if (!reader) {
    check(!reader.error().message.empty(), "error message");
    return 0;
  }
  const media::Y4mHeader header = reader->header();
  check(header.width > 0 && header.height > 0, "size");
  std::vector<media::I420Frame> frames;
  for (int i = 0; i < 64; ++i) {
    auto f = reader->next();
    if (!f) {
      check(f.error().message.find("frame " + std::to_string(i)) != std::string::npos, "error names the frame");
      break;
    }
    if (!f->has_value()) break;
    check((*f)->consistent() && (*f)->width == header.width && (*f)->height == header.height, "frame fits header");
    frames.push_back(std::move(**f));
  }
  const std::string head = media::format_y4m_header(header);
  Bytes out(head.begin(), head.end());
  for (const auto& f : frames) media::append_y4m_frame(out, f);
  auto again = media::Y4mReader::from_memory(out);
  check(again.has_value(), "written header parses");
  check(again->header().width == header.width && again->header().fps_num == header.fps_num &&
            again->header().colorspace == header.colorspace,
        "header round trip");
  for (const auto& f : frames) {
    auto g = again->next();
    check(g.has_value() && g->has_value() && (*g)->y == f.y && (*g)->u == f.u && (*g)->v == f.v, "frame round trip");
  }
  return 0;
}
