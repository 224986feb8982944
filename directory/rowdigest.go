package directory

// Issue 17: checking a copy of a store (migrate-store) table by table.

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
)

// RowDigest is a digest of one row's values as either store's driver gives
// them: text and bytes by their bytes, numbers by their decimal digits,
// NULL apart from every value. Summed over a table (TableDigest), it tells
// whether two stores hold the same rows, whatever order each reads them in.
func RowDigest(vals []any) uint64 {
	h := sha256.New()
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			h.Write([]byte{0, 0xff})
		case string:
			h.Write([]byte(x))
		case []byte:
			h.Write(x)
		case int64:
			h.Write(strconv.AppendInt(nil, x, 10))
		case int32:
			h.Write(strconv.AppendInt(nil, int64(x), 10))
		case int:
			h.Write(strconv.AppendInt(nil, int64(x), 10))
		case float64:
			h.Write(strconv.AppendFloat(nil, x, 'g', -1, 64))
		case bool:
			if x {
				h.Write([]byte{'1'})
			} else {
				h.Write([]byte{'0'})
			}
		case time.Time:
			h.Write([]byte(x.UTC().Format(time.RFC3339Nano)))
		default:
			fmt.Fprint(h, x)
		}
		h.Write([]byte{0x1f})
	}
	return binary.BigEndian.Uint64(h.Sum(nil))
}
