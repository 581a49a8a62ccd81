#pragma once
// One function per API resource, each in its own <resource>_routes.cc,
// registering that resource's routes (docs/api.md, and the OpenAPI
// document docs/openapi.json that a test keeps in step with them).
// AddApiRoutes (api.h) calls them all.

#include "server/router.h"

namespace phodex::server {

void AddMetaRoutes(Router& r);        // openapi.json, version, health
void AddAuthRoutes(Router& r);        // login, logout, session
void AddStatusRoutes(Router& r);      // status
void AddFileRoutes(Router& r);        // files, one file, original, thumbnails
void AddOperationRoutes(Router& r);   // operations
void AddJobRoutes(Router& r);         // jobs
void AddRootRoutes(Router& r);        // roots
void AddFolderRoutes(Router& r);      // a root's folders
void AddEventRoutes(Router& r);       // events (SSE)
void AddSearchRoutes(Router& r);      // search, search/count
void AddMetricsRoutes(Router& r);     // /metrics (Prometheus)
void AddTimelineRoutes(Router& r);    // timeline sections and items
void AddRatingRoutes(Router& r);      // ratings, labels, picks, favorites
void AddDupesRoutes(Router& r);       // duplicates: groups, plans, apply

}  // namespace phodex::server
