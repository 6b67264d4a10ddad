// html_page.h (internal): the shell of loadgate's self-contained HTML pages (reports, plots,
// breakpoint searches): one stylesheet, one small script, table rows.
#pragma once

#include <string>
#include <vector>

namespace loadgate::format {

/// The start of a page: doctype, <title>, the shared stylesheet, <body> and an <h1>, all escaped.
std::string html_page_start(const std::string& title);

/// The end of a page: a script that shows chart values under the cursor and marks <body> with
/// the number of charts drawn (data-charts, data-charts-drawn), then </body></html>.
std::string html_page_end();

/// One table row of already-escaped `cells` in `tag` cells ("td" or "th"), with an optional class.
std::string html_row(const std::vector<std::string>& cells, const char* tag = "td", const std::string& cls = "");

}  // namespace loadgate::format
