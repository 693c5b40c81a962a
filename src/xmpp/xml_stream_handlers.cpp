// The expat side: the parser's creation and settings, the callbacks
// (trampolines into xml_stream_tree.cpp, and refusals of what RFC 6120
// §11.1 forbids), and expat's errors as stream error conditions.
#include <algorithm>
#include <cstring>
#include <new>

#include "core/text.hpp"
#include "xmpp/xml_stream_state.hpp"

namespace confab::xmpp {

namespace {

using Impl = StreamParser::Impl;
using C = StreamErrorCondition;

Impl& self(void* user_data) { return *static_cast<Impl*>(user_data); }

// The handlers expat calls. Each returns at once once the parse has failed:
// expat may deliver a callback or two after being stopped.

void XMLCALL on_start(void* ud, const XML_Char* name, const XML_Char** atts) {
  Impl& s = self(ud);
  if (s.failed || s.reviving) return;  // priming: the header was checked when it first came
  s.mark_progress();
  if (!s.document && s.depth == 0)
    s.open_stream(name, atts);
  else
    s.start_element(name, atts);
}

void XMLCALL on_end(void* ud, const XML_Char*) {
  Impl& s = self(ud);
  if (s.failed) return;
  s.mark_progress();
  s.end_element();
}

void XMLCALL on_text(void* ud, const XML_Char* data, int len) {
  Impl& s = self(ud);
  if (s.failed || s.reviving) return;
  s.mark_progress();
  s.text(std::string_view(data, static_cast<std::size_t>(len)));
}

void XMLCALL on_namespace(void* ud, const XML_Char* prefix, const XML_Char* uri) {
  Impl& s = self(ud);
  if (s.failed || s.reviving) return;
  s.pending_namespaces.emplace_back(prefix ? prefix : "", uri ? uri : "");
  if (s.pending_namespaces.size() > s.options.limits.max_attributes)
    s.fail(C::policy_violation,
           "more than " + std::to_string(s.options.limits.max_attributes) + " attributes on one element");
}

void XMLCALL on_cdata(void* ud) {
  Impl& s = self(ud);
  if (!s.failed) s.mark_progress();
}

void XMLCALL on_xml_decl(void* ud, const XML_Char* version, const XML_Char* encoding, int) {
  Impl& s = self(ud);
  if (s.failed || s.reviving) return;
  s.mark_progress();
  if (version && std::strcmp(version, "1.0") != 0) {
    s.fail(C::bad_format, "XML version " + std::string(version) + " (XMPP uses XML 1.0)");
  } else if (encoding && ascii_lower(encoding) != "utf-8") {
    s.fail(C::unsupported_encoding, "declared encoding " + std::string(encoding) + " (XMPP streams are UTF-8)");
  }
}

// RFC 6120 §11.1: no comments, processing instructions, DTDs or entity
// references beyond the five predefined ones. A DOCTYPE is refused at its
// name, before its internal subset is read: no entity is ever declared, so
// none is ever expanded (billion laughs stops at byte ~10).
void restricted(void* ud, const std::string& what) {
  Impl& s = self(ud);
  if (!s.failed) s.fail(C::restricted_xml, what + " (RFC 6120 §11.1)");
}

void XMLCALL on_comment(void* ud, const XML_Char*) { restricted(ud, "comment"); }

void XMLCALL on_pi(void* ud, const XML_Char* target, const XML_Char*) {
  restricted(ud, "processing instruction <?" + std::string(target).substr(0, 64) + "?>");
}

void XMLCALL on_doctype(void* ud, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  restricted(ud, "DOCTYPE declaration");
}

void XMLCALL on_entity_decl(void* ud, const XML_Char*, int, const XML_Char*, int, const XML_Char*, const XML_Char*,
                            const XML_Char*, const XML_Char*) {
  restricted(ud, "entity declaration");
}

void XMLCALL on_notation(void* ud, const XML_Char*, const XML_Char*, const XML_Char*, const XML_Char*) {
  restricted(ud, "notation declaration");
}

void XMLCALL on_skipped_entity(void* ud, const XML_Char* name, int) {
  restricted(ud, "reference to entity &" + std::string(name).substr(0, 64) + ";");
}

int XMLCALL on_external_entity(XML_Parser parser, const XML_Char*, const XML_Char*, const XML_Char*,
                               const XML_Char*) {
  restricted(XML_GetUserData(parser), "external entity");
  return XML_STATUS_ERROR;
}

StreamErrorCondition condition_of(XML_Error code) {
  switch (code) {
    case XML_ERROR_NO_MEMORY:
      return C::resource_constraint;
    case XML_ERROR_UNDEFINED_ENTITY:
    case XML_ERROR_PARAM_ENTITY_REF:
    case XML_ERROR_RECURSIVE_ENTITY_REF:
    case XML_ERROR_ASYNC_ENTITY:
    case XML_ERROR_BINARY_ENTITY_REF:
    case XML_ERROR_ATTRIBUTE_EXTERNAL_ENTITY_REF:
    case XML_ERROR_EXTERNAL_ENTITY_HANDLING:
    case XML_ERROR_NOT_STANDALONE:
    case XML_ERROR_ENTITY_DECLARED_IN_PE:
    case XML_ERROR_INCOMPLETE_PE:
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
    case XML_ERROR_AMPLIFICATION_LIMIT_BREACH:
#endif
      return C::restricted_xml;
    case XML_ERROR_UNBOUND_PREFIX:
      return C::bad_namespace_prefix;
    case XML_ERROR_UNKNOWN_ENCODING:
    case XML_ERROR_INCORRECT_ENCODING:
      return C::unsupported_encoding;
    default:
      return C::not_well_formed;
  }
}

std::size_t to_size(XML_Index i) { return i < 0 ? 0 : static_cast<std::size_t>(i); }

}  // namespace

StreamParser::Impl::Impl(StreamParserOptions opts, bool document_mode)
    : options(std::move(opts)), document(document_mode), expat(XML_ParserCreateNS("UTF-8", name_separator)) {
  if (!expat) throw std::bad_alloc();
  install_handlers();
}

void StreamParser::Impl::install_handlers() {
  XML_Parser p = expat.get();
  XML_SetUserData(p, this);
  XML_SetReturnNSTriplet(p, XML_TRUE);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  XML_SetStartNamespaceDeclHandler(p, on_namespace);
  XML_SetCdataSectionHandler(p, on_cdata, on_cdata);
  XML_SetXmlDeclHandler(p, on_xml_decl);
  XML_SetCommentHandler(p, on_comment);
  XML_SetProcessingInstructionHandler(p, on_pi);
  XML_SetStartDoctypeDeclHandler(p, on_doctype);
  XML_SetEntityDeclHandler(p, on_entity_decl);
  XML_SetNotationDeclHandler(p, on_notation);
  XML_SetSkippedEntityHandler(p, on_skipped_entity);
  XML_SetExternalEntityRefHandler(p, on_external_entity);
  XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 6)
  // hold_back() does this job without ever delaying a complete stanza;
  // expat's own deferral would keep one back until more bytes arrive.
  XML_SetReparseDeferralEnabled(p, XML_FALSE);
#endif
}

std::size_t StreamParser::Impl::expat_index() const { return expat_base + to_size(XML_GetCurrentByteIndex(expat.get())); }

std::size_t StreamParser::Impl::expat_line() const {
  const auto line = static_cast<std::size_t>(XML_GetCurrentLineNumber(expat.get()));
  return line < expat_first_line ? resumed_line : resumed_line + (line - expat_first_line);
}

std::size_t StreamParser::Impl::expat_column() const {
  const auto line = static_cast<std::size_t>(XML_GetCurrentLineNumber(expat.get()));
  const auto column = static_cast<std::size_t>(XML_GetCurrentColumnNumber(expat.get()));
  return (line == expat_first_line ? resumed_column + column : column) + 1;
}

std::size_t StreamParser::Impl::event_begin() const { return expat_index(); }

std::size_t StreamParser::Impl::event_end() const {
  return event_begin() + static_cast<std::size_t>(std::max(0, XML_GetCurrentByteCount(expat.get())));
}

void StreamParser::Impl::mark_progress() { progress = std::max(progress, event_end()); }

void StreamParser::Impl::emit(StreamEvent event, std::size_t end) {
  events.push_back(Queued{std::move(event), end});
  // Pause right after the event, so nothing after it is parsed until the
  // session has seen it (and maybe restarted the stream).
  XML_ParsingStatus status;
  XML_GetParsingStatus(expat.get(), &status);
  if (status.parsing == XML_PARSING) XML_StopParser(expat.get(), XML_TRUE);
}

void StreamParser::Impl::fail(StreamErrorCondition condition, std::string detail) {
  fail_at(condition, event_begin(), expat_line(), expat_column(), std::move(detail));
}

void StreamParser::Impl::fail_at(StreamErrorCondition condition, std::size_t offset, std::size_t line,
                                 std::size_t column, std::string detail) {
  if (failed) return;
  failed = true;
  events.push_back(Queued{StreamError{condition, offset, line, column, std::move(detail)}, offset});
  open_elements.clear();
  if (!expat) return;  // hibernating: nothing to stop
  XML_ParsingStatus status;
  XML_GetParsingStatus(expat.get(), &status);
  if (status.parsing == XML_PARSING || status.parsing == XML_SUSPENDED) XML_StopParser(expat.get(), XML_FALSE);
}

void StreamParser::Impl::fail_from_expat() {
  XML_Parser p = expat.get();
  const XML_Error code = XML_GetErrorCode(p);
  std::string detail = XML_ErrorString(code);
  if (code == XML_ERROR_UNDEFINED_ENTITY) detail += " (only the five predefined entities are allowed, RFC 6120 §11.1)";
  fail_at(condition_of(code), expat_index(), expat_line(), expat_column(), std::move(detail));
}

}  // namespace confab::xmpp
