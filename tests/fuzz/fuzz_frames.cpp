// libFuzzer target: the frame decoder and the header parsers on arbitrary bytes,
// i.e. everything a hostile peer controls before a handler runs.
//
// The first input byte chooses the size of the pieces the rest is fed in
// (1..256 bytes), so resuming at every possible byte boundary is exercised.
// For each decoded header it runs the request and reply parsers and the name
// rules; a request that parses must survive to_header -> parse_request
// unchanged. Only ProtocolError may escape the parsers: anything else (a
// nlohmann exception, a crash, a sanitizer report) is a finding. The same bytes,
// read as a list reply body, must get the same verdict and entries from the
// streaming decoder fed in those pieces as from the whole-body reader.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/checksum.hpp"
#include "protocol/frame_codec.hpp"
#include "protocol/image_sniff.hpp"
#include "protocol/list_body_decoder.hpp"
#include "protocol/messages.hpp"
#include "protocol/names.hpp"

namespace {

using namespace imgsh::proto;

void exercise(const nlohmann::json& header) {
  std::uint64_t id = 0;
  try {
    Request request = parse_request(header, id);
    if (id != request.id) std::abort();
    std::uint64_t again_id = 0;
    Request again = parse_request(to_header(request), again_id);
    if (again_id != request.id || op_name(again.body) != op_name(request.body)) std::abort();
    if (const auto* named = std::get_if<Put>(&request.body)) {
      (void)check_name(named->name);
      (void)kind_from_extension(named->name);
    }
    if (const auto* sum = std::get_if<Checksum>(&request.body)) {
      if (!is_xxh3_hex(sum->xxh3)) std::abort();
    }
  } catch (const ProtocolError&) {
  }
  try {
    Reply reply = parse_reply(header);
    if (reply.status == ReplyStatus::ok) (void)file_info_from_json(reply.fields);
  } catch (const ProtocolError&) {
  }
  try {
    (void)limits_from_reply(Reply{0, ReplyStatus::ok, Errc::internal, "", header});
  } catch (const ProtocolError&) {
  }
}

// A list body split anywhere reads as it does whole (list_body_decoder.hpp).
void exercise_list_body(std::span<const std::uint8_t> bytes, std::size_t piece_max) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<std::string> whole;
  bool whole_ok = true;
  try {
    for (auto& f : parse_list_body(text)) whole.push_back(std::move(f.name));
  } catch (const ProtocolError&) {
    whole_ok = false;
  }
  std::vector<std::string> split;
  bool split_ok = true;
  try {
    ListBodyDecoder decoder;
    for (std::size_t at = 0; at < text.size(); at += piece_max) {
      decoder.feed(text.substr(at, piece_max), [&split](FileInfo&& f) { split.push_back(std::move(f.name)); });
    }
    decoder.finish();
  } catch (const ProtocolError&) {
    split_ok = false;
  }
  if (whole_ok != split_ok || (whole_ok && whole != split)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t piece_max = static_cast<std::size_t>(data[0]) + 1;
  std::span<const std::uint8_t> input(data + 1, size - 1);
  exercise_list_body(input, piece_max);
  FrameDecoder decoder;
  while (!input.empty()) {
    std::span<const std::uint8_t> piece = input.first(std::min(input.size(), piece_max));
    input = input.subspan(piece.size());
    while (!piece.empty()) {
      FrameDecoder::Step step = decoder.feed(piece);
      if (step.consumed > piece.size()) std::abort();
      piece = piece.subspan(step.consumed);
      switch (step.event) {
        case FrameDecoder::Event::error:
          return 0;
        case FrameDecoder::Event::header:
          exercise(decoder.take_header());
          break;
        case FrameDecoder::Event::body:
          (void)sniff_image(step.body);
          break;
        case FrameDecoder::Event::need_more:
          if (!piece.empty()) std::abort();  // need_more must consume everything
          break;
      }
    }
  }
  return 0;
}
