package signpost

import (
	"crypto/aes"
	"crypto/sha256"
	"encoding/binary"
)

// The directory issues serials in order (1, 2, 3, …: a serial also says which
// of two records is older), but the Signpost ID a serial gets must not be
// guessable from another: IDs issued in order could be walked, one after the
// other, to read the directory record by record. An IDCodec turns a serial
// into the eight-digit number of its Signpost ID by a keyed permutation of the
// numbers 1 to 99,999,999 (a six-round Feistel network on 28 bits whose round
// functions are tables drawn from AES under the key, with cycle-walking back
// into the range), and back. Without the key, seeing some IDs says nothing
// about which other numbers are issued.
//
// Each directory store keeps its own key. A nil codec, or one made with no
// key, is the identity: the IDs of stores made before IDs were scrambled.
type IDCodec struct {
	rounds *[idRounds][1 << idHalf]uint16
}

const (
	idHalf    = 14 // bits in each half of the Feistel network
	idRounds  = 6
	idNumbers = 100_000_000 // eight digits
)

// NewIDCodec returns the codec for key; an empty key gives the identity.
func NewIDCodec(key []byte) *IDCodec {
	if len(key) == 0 {
		return &IDCodec{}
	}
	sum := sha256.Sum256(append([]byte("signpost id codec v1\x00"), key...))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	t := new([idRounds][1 << idHalf]uint16)
	var in, out [16]byte
	for r := 0; r < idRounds; r++ {
		for x := 0; x < 1<<idHalf; x += 8 {
			// One AES block gives eight 16-bit values.
			binary.BigEndian.PutUint32(in[0:], uint32(r))
			binary.BigEndian.PutUint32(in[4:], uint32(x))
			block.Encrypt(out[:], in[:])
			for j := 0; j < 8; j++ {
				t[r][x+j] = binary.BigEndian.Uint16(out[2*j:]) & (1<<idHalf - 1)
			}
		}
	}
	return &IDCodec{rounds: t}
}

// Keyed reports whether the codec scrambles (false for the identity).
func (c *IDCodec) Keyed() bool { return c != nil && c.rounds != nil }

// Number returns the eight-digit number of the Signpost ID of serial
// (0 < serial < 10^8); 0 for a serial out of range.
func (c *IDCodec) Number(serial int) int {
	if serial <= 0 || serial >= idNumbers {
		return 0
	}
	if !c.Keyed() {
		return serial
	}
	x := uint32(serial)
	for {
		x = c.forward(x)
		if x > 0 && x < idNumbers {
			return int(x)
		}
	}
}

// SerialOf returns the serial whose Signpost ID has number n; 0 if n is out
// of range.
func (c *IDCodec) SerialOf(n int) int {
	if n <= 0 || n >= idNumbers {
		return 0
	}
	if !c.Keyed() {
		return n
	}
	x := uint32(n)
	for {
		x = c.backward(x)
		if x > 0 && x < idNumbers {
			return int(x)
		}
	}
}

// ID returns the Signpost ID of serial.
func (c *IDCodec) ID(serial int) string { return SignpostID(c.Number(serial)) }

// SerialOfID returns the serial of a Signpost ID, and false if id is not a
// valid Signpost ID.
func (c *IDCodec) SerialOfID(id string) (int, bool) {
	n, ok := SignpostNumber(id)
	if !ok {
		return 0, false
	}
	return c.SerialOf(n), true
}

func (c *IDCodec) forward(x uint32) uint32 {
	l, r := x>>idHalf, x&(1<<idHalf-1)
	for i := 0; i < idRounds; i++ {
		l, r = r, l^uint32(c.rounds[i][r])
	}
	return l<<idHalf | r
}

func (c *IDCodec) backward(x uint32) uint32 {
	l, r := x>>idHalf, x&(1<<idHalf-1)
	for i := idRounds - 1; i >= 0; i-- {
		l, r = r^uint32(c.rounds[i][l]), l
	}
	return l<<idHalf | r
}

// SignpostNumber returns the eight-digit number of a valid Signpost ID.
func SignpostNumber(id string) (int, bool) {
	if !ValidSignpostID(id) {
		return 0, false
	}
	id = NormaliseSignpostID(id)
	n := 0
	for i := 2; i < 10; i++ {
		n = n*10 + int(id[i]-'0')
	}
	return n, true
}
