package signpost_test

import (
	"bytes"
	"testing"

	"signpost"
)

func TestIDCodecIsAPermutationThatCannotBeWalked(t *testing.T) {
	c := signpost.NewIDCodec(bytes.Repeat([]byte{9}, 32))
	seen := map[int]int{}
	adjacent := 0
	prev := 0
	const n = 200_000
	for s := 1; s <= n; s++ {
		num := c.Number(s)
		if num <= 0 || num >= 100_000_000 {
			t.Fatalf("serial %d gives %d, outside 1..99,999,999", s, num)
		}
		if o, dup := seen[num]; dup {
			t.Fatalf("serials %d and %d both give %d", o, s, num)
		}
		seen[num] = s
		if back := c.SerialOf(num); back != s {
			t.Fatalf("SerialOf(Number(%d)) = %d", s, back)
		}
		id := c.ID(s)
		if !signpost.ValidSignpostID(id) {
			t.Fatalf("ID(%d) = %q is not a valid Signpost ID", s, id)
		}
		if got, ok := c.SerialOfID(id); !ok || got != s {
			t.Fatalf("SerialOfID(%s) = %d, %v", id, got, ok)
		}
		if d := num - prev; d >= -10 && d <= 10 {
			adjacent++
		}
		prev = num
	}
	// Walking from one issued ID to the next: for a random permutation of
	// 10^8 numbers, consecutive serials land within 10 of each other about
	// n * 21 / 10^8 times (0.04 here).
	if adjacent > 3 {
		t.Fatalf("%d of %d consecutive serials got IDs within 10 of each other", adjacent, n)
	}
	// The 200,000 issued numbers are spread over the whole range.
	var below int
	for num := range seen {
		if num < 50_000_000 {
			below++
		}
	}
	if below < n*45/100 || below > n*55/100 {
		t.Fatalf("%d of %d numbers below 50,000,000: not spread", below, n)
	}
}

func TestIDCodecKeysDiffer(t *testing.T) {
	a := signpost.NewIDCodec(bytes.Repeat([]byte{1}, 32))
	b := signpost.NewIDCodec(bytes.Repeat([]byte{2}, 32))
	same := 0
	for s := 1; s <= 1000; s++ {
		if a.Number(s) == b.Number(s) {
			same++
		}
	}
	if same > 1 {
		t.Fatalf("%d of 1000 serials got the same ID under two keys", same)
	}
}

func TestIDCodecWithoutKeyIsTheIdentity(t *testing.T) {
	for _, c := range []*signpost.IDCodec{nil, signpost.NewIDCodec(nil)} {
		if c.Keyed() || c.ID(18) != signpost.SignpostID(18) || c.SerialOf(18) != 18 {
			t.Fatalf("identity codec: ID(18) = %s", c.ID(18))
		}
	}
	c := signpost.NewIDCodec([]byte("k"))
	for _, s := range []int{0, -1, 100_000_000} {
		if c.Number(s) != 0 || c.SerialOf(s) != 0 {
			t.Fatalf("serial %d out of range gave a number", s)
		}
	}
	if _, ok := c.SerialOfID("SP000000019"); ok {
		t.Fatal("an ID with a wrong check digit was decoded")
	}
}

func BenchmarkIDCodecNumber(b *testing.B) {
	c := signpost.NewIDCodec([]byte("bench"))
	for i := 0; i < b.N; i++ {
		_ = c.Number(i%99_999_999 + 1)
	}
}
