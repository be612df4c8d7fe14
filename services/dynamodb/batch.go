package dynamodb

import "sort"

// batchWriteItem runs BatchWriteItem: every request is validated first, then all are applied
// under one lock, so the fake never leaves unprocessed items.
func (s *Service) batchWriteItem(in map[string]any) (map[string]any, *Error) {
	var v violations
	v.null("requestItems", in["RequestItems"])
	if err := v.err(); err != nil {
		return nil, err
	}
	reqs, _ := in["RequestItems"].(map[string]any)
	total := 0
	for _, l := range reqs {
		list, _ := l.([]any)
		total += len(list)
	}
	if total > 25 {
		return nil, errValidation("Too many items requested for the BatchWriteItem call")
	}
	if total == 0 {
		return nil, errValidation("1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	type write struct {
		t    *table
		h, r string
		item map[string]any // nil for a delete
	}
	var writes []write
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(reqs))
	for name := range reqs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var tv violations
		tv.tableName(name)
		if err := tv.err(); err != nil {
			return nil, err
		}
		t, err := s.lookup(name)
		if err != nil {
			return nil, err
		}
		list, _ := reqs[name].([]any)
		seen := map[string]bool{}
		for _, r := range list {
			rm, _ := r.(map[string]any)
			put, _ := rm["PutRequest"].(map[string]any)
			del, _ := rm["DeleteRequest"].(map[string]any)
			if (put == nil) == (del == nil) || len(rm) != 1 {
				return nil, errValidation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
			w := write{t: t}
			var key map[string]any
			if put != nil {
				item, err := checkItem(put["Item"])
				if err != nil {
					return nil, err
				}
				if itemSize(item) > maxItemSize {
					return nil, errValidation("Item size has exceeded the maximum allowed size")
				}
				key, w.item = item, item
				if w.h, w.r, err = t.itemKey(item, false); err != nil {
					return nil, err
				}
			} else {
				k, err := checkItem(del["Key"])
				if err != nil {
					return nil, err
				}
				key = k
				if w.h, w.r, err = t.itemKey(key, true); err != nil {
					return nil, err
				}
			}
			id := w.h + "\x00" + w.r
			if seen[id] {
				return nil, errValidation("Provided list of item keys contains duplicates")
			}
			seen[id] = true
			writes = append(writes, w)
		}
	}
	for _, w := range writes {
		if w.item != nil {
			w.t.put(w.h, w.r, copyValue(w.item).(map[string]any))
		} else {
			w.t.remove(w.h, w.r)
		}
	}
	return map[string]any{"UnprocessedItems": map[string]any{}}, nil
}

// batchGetItem runs BatchGetItem; all keys are read, none left unprocessed.
func (s *Service) batchGetItem(in map[string]any) (map[string]any, *Error) {
	var v violations
	v.null("requestItems", in["RequestItems"])
	if err := v.err(); err != nil {
		return nil, err
	}
	reqs, _ := in["RequestItems"].(map[string]any)
	total := 0
	for _, r := range reqs {
		rm, _ := r.(map[string]any)
		keys, _ := rm["Keys"].([]any)
		total += len(keys)
	}
	if total > 100 {
		return nil, errValidation("Too many items requested for the BatchGetItem call")
	}
	if total == 0 {
		return nil, errValidation("1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	responses := map[string]any{}
	for name, r := range reqs {
		rm, _ := r.(map[string]any)
		var tv violations
		tv.tableName(name)
		if err := tv.err(); err != nil {
			return nil, err
		}
		if err := checkLegacy(rm); err != nil {
			return nil, err
		}
		x, err := parseExpressions(rm, "ProjectionExpression")
		if err != nil {
			return nil, err
		}
		if x.projection == nil {
			if x.projection, err = attributesToGet(rm); err != nil {
				return nil, err
			}
		}
		t, err := s.lookup(name)
		if err != nil {
			return nil, err
		}
		keys, _ := rm["Keys"].([]any)
		items := []any{}
		seen := map[string]bool{}
		for _, k := range keys {
			key, err := checkItem(k)
			if err != nil {
				return nil, err
			}
			h, rk, err := t.itemKey(key, true)
			if err != nil {
				return nil, err
			}
			if seen[h+"\x00"+rk] {
				return nil, errValidation("Provided list of item keys contains duplicates")
			}
			seen[h+"\x00"+rk] = true
			item := t.get(h, rk)
			switch {
			case item == nil:
			case x.projection != nil:
				items = append(items, project(item, x.projection))
			default:
				items = append(items, copyValue(item))
			}
		}
		responses[name] = items
	}
	return map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}}, nil
}
