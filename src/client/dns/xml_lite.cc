#include "client/dns/xml_lite.h"

#include <charconv>

#include <fmt/format.h>

namespace acmekit::client::dns_api::xml {
namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<Element> document() {
    ACMEKIT_CHECK(misc());
    if (!at("<")) return fail("expected the root element");
    Element root;
    ACMEKIT_CHECK(element(root, 0));
    ACMEKIT_CHECK(misc());
    if (pos_ != s_.size()) return fail("content after the root element");
    return root;
  }

 private:
  // Whitespace, comments and processing instructions (the declaration too).
  Status misc() {
    while (true) {
      while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
      if (at("<?")) {
        ACMEKIT_CHECK(skip_past("?>"));
      } else if (at("<!--")) {
        ACMEKIT_CHECK(skip_past("-->"));
      } else if (at("<!")) {
        return fail("a DTD or declaration is not accepted");
      } else {
        return {};
      }
    }
  }

  Status element(Element& e, int depth) {
    if (depth > kMaxDepth) return fail("nested too deep");
    ++pos_;  // '<'
    const std::size_t start = pos_;
    while (pos_ < s_.size() && !is_space(s_[pos_]) && s_[pos_] != '>' && s_[pos_] != '/') ++pos_;
    const std::string_view qname = s_.substr(start, pos_ - start);
    if (qname.empty()) return fail("an element without a name");
    e.name = std::string(qname.substr(qname.find(':') == std::string_view::npos ? 0 : qname.find(':') + 1));
    // Attributes: skipped, quoted values may hold '>' or '/'.
    while (true) {
      if (pos_ >= s_.size()) return fail("unterminated start tag <" + std::string(qname) + ">");
      const char c = s_[pos_];
      if (c == '"' || c == '\'') {
        const std::size_t close = s_.find(c, pos_ + 1);
        if (close == std::string_view::npos) return fail("unterminated attribute value");
        pos_ = close + 1;
      } else if (at("/>")) {
        pos_ += 2;
        return {};
      } else if (c == '>') {
        ++pos_;
        break;
      } else {
        ++pos_;
      }
    }
    // Content until </qname>.
    while (true) {
      if (pos_ >= s_.size()) return fail("<" + std::string(qname) + "> is not closed");
      if (at("</")) {
        pos_ += 2;
        const std::size_t close = s_.find('>', pos_);
        if (close == std::string_view::npos) return fail("unterminated end tag");
        std::string_view end = s_.substr(pos_, close - pos_);
        while (!end.empty() && is_space(end.back())) end.remove_suffix(1);
        if (end != qname) return fail(fmt::format("</{}> closes <{}>", end, qname));
        pos_ = close + 1;
        return {};
      }
      if (at("<!--")) {
        ACMEKIT_CHECK(skip_past("-->"));
      } else if (at("<![CDATA[")) {
        const std::size_t end = s_.find("]]>", pos_);
        if (end == std::string_view::npos) return fail("unterminated CDATA section");
        e.text += s_.substr(pos_ + 9, end - pos_ - 9);
        pos_ = end + 3;
      } else if (at("<?")) {
        ACMEKIT_CHECK(skip_past("?>"));
      } else if (at("<!")) {
        return fail("a declaration inside an element");
      } else if (at("<")) {
        e.children.emplace_back();
        ACMEKIT_CHECK(element(e.children.back(), depth + 1));
      } else if (at("&")) {
        ACMEKIT_CHECK(reference(e.text));
      } else {
        e.text += s_[pos_++];
      }
    }
  }

  // &lt; &gt; &amp; &quot; &apos; &#N; &#xN; (as UTF-8).
  Status reference(std::string& out) {
    const std::size_t semi = s_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) return fail("an unterminated entity reference");
    const std::string_view name = s_.substr(pos_ + 1, semi - pos_ - 1);
    if (name == "lt") out += '<';
    else if (name == "gt") out += '>';
    else if (name == "amp") out += '&';
    else if (name == "quot") out += '"';
    else if (name == "apos") out += '\'';
    else if (name.starts_with('#')) {
      const bool hex = name.starts_with("#x");
      const std::string_view digits = name.substr(hex ? 2 : 1);
      unsigned long cp = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || cp == 0 || cp > 0x10FFFF ||
          (cp >= 0xD800 && cp <= 0xDFFF)) {
        return fail("a bad character reference &" + std::string(name) + ";");
      }
      append_utf8(out, static_cast<char32_t>(cp));
    } else {
      return fail("an unknown entity &" + std::string(name) + ";");
    }
    pos_ = semi + 1;
    return {};
  }

  static void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  Status skip_past(std::string_view end) {
    const std::size_t at_end = s_.find(end, pos_);
    if (at_end == std::string_view::npos) return fail("missing " + std::string(end));
    pos_ = at_end + end.size();
    return {};
  }
  bool at(std::string_view what) const { return s_.substr(pos_).starts_with(what); }
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
  std::unexpected<Error> fail(const std::string& what) const {
    return make_error(ErrorKind::kInvalidArgument, fmt::format("XML: {} at offset {}", what, pos_));
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

const Element* Element::child(std::string_view child_name) const {
  for (const auto& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

std::string Element::child_text(std::string_view child_name) const {
  const Element* c = child(child_name);
  return c ? c->text : std::string();
}

std::vector<const Element*> Element::all(std::string_view child_name) const {
  std::vector<const Element*> out;
  for (const auto& c : children) {
    if (c.name == child_name) out.push_back(&c);
  }
  return out;
}

Result<Element> parse(std::string_view document) { return Parser(document).document(); }

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

}  // namespace acmekit::client::dns_api::xml
