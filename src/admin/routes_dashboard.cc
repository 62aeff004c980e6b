// GET /: the dashboard page (src/admin/dashboard/index.html), built into the binary by CMake
// (embed_asset.cmake), so it needs no files and no internet at run time.
#include "admin/admin_api.h"

namespace cachet {

extern const unsigned char kDashboardHtml[];
extern const unsigned long kDashboardHtmlSize;  // NOLINT(runtime/int): matches the generator

void RegisterDashboardRoute(AdminApi& api) {
  api.Add("GET", "/", false, [](RouteContext&) {
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body.assign(reinterpret_cast<const char*>(kDashboardHtml), kDashboardHtmlSize);
    // The page runs only its own inline script and talks only to this server.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src 'unsafe-inline'; style-src "
                           "'unsafe-inline'; connect-src 'self'; img-src 'self' data:");
    return r;
  });
}

}  // namespace cachet
