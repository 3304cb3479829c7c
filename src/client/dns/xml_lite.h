// Just enough XML (W3C XML 1.0) to read the answers of the AWS REST-XML APIs
// (Route 53): elements, their character data with the five predefined
// entities and character references decoded, CDATA sections; attributes,
// comments, processing instructions and the declaration are skipped. No
// DTDs (refused: no entity expansion), no namespaces beyond dropping a
// prefix. Not a general parser: answers are a few kB of well-formed XML.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace acmekit::client::dns_api::xml {

struct Element {
  std::string name;  // local name ("ns:Foo" -> "Foo")
  std::string text;  // the character data directly inside, decoded
  std::vector<Element> children;

  // The first child named so, or nullptr.
  const Element* child(std::string_view child_name) const;
  // The text of the first child named so, empty when there is none.
  std::string child_text(std::string_view child_name) const;
  // Every child named so, in document order.
  std::vector<const Element*> all(std::string_view child_name) const;
};

// The document's root element; kInvalidArgument "XML: ... at offset N" for
// anything not well formed (mismatched tags, an unknown entity, a DTD).
Result<Element> parse(std::string_view document);

// Character data for an element's content: & < > escaped.
std::string escape(std::string_view text);

}  // namespace acmekit::client::dns_api::xml
