// The JSON backend's declaration (storage/backend_type.h): the json: scheme,
// its one option, and an import staged in a folder beside the destination.
//
// URL: json:PATH, json:///relative/path or json:////absolute/path, a folder
// (created at the first write). Option fsync=false skips fsync on every
// change (for throwaway stores; a crash may then lose recent changes);
// default true. Any other option is refused.
#ifndef PARLEY_BACKENDS_JSON_JSON_TYPE_H_
#define PARLEY_BACKENDS_JSON_JSON_TYPE_H_

#include "storage/backend_type.h"

namespace parley {

const BackendType& JsonBackendType();

}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_TYPE_H_
