// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON helpers and the OCI runtime spec (config.json) annotations all runtimes write. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ctr_internal.h"

json_object *ctr_json_parse(const char *json, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	json_object *root;

	if (len > INT32_MAX) {
		snprintf(err, errlen, "document too large");
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (!root) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		snprintf(err, errlen, "invalid JSON at offset %zu: %s",
			 json_tokener_get_parse_end(tok),
			 e == json_tokener_continue ? "truncated" : json_tokener_error_desc(e));
	}
	json_tokener_free(tok);
	return root;
}

const char *ctr_json_str(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

json_object *ctr_json_obj(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

int ctr_oci_annotations(const char *json, size_t len, struct ctr_info *info, char *err,
			size_t errlen)
{
	json_object *root, *ann;

	root = ctr_json_parse(json, len, err, errlen);
	if (!root)
		return CTR_EBAD;
	if (!json_object_is_type(root, json_type_object) || !ctr_json_obj(root, "process")) {
		snprintf(err, errlen, "not an OCI runtime spec (no \"process\" object)");
		json_object_put(root);
		return CTR_EBAD;
	}
	ann = ctr_json_obj(root, "annotations");
	if (ann) {
		json_object_object_foreach(ann, key, val)
		{
			if (json_object_is_type(val, json_type_string))
				ctr_info_add_label(info, key, json_object_get_string(val));
		}
	}
	json_object_put(root);
	return CTR_OK;
}
