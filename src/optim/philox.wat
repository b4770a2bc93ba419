;; The `philox` noise generator of philox.ts: Philox4x32-10 (Salmon, Moraes, Dror and Shaw,
;; "Parallel Random Numbers: As Easy as 1, 2, 3", SC 2011), a counter-based generator, and the
;; Box-Muller transform of its words. philox.ts documents the key, the counter and the normals; this
;; file follows it operation for operation, so test/helpers/philox-reference.ts (plain JavaScript)
;; reproduces it bit for bit.
;;
;; Philox is integer arithmetic only: each of the 10 rounds multiplies two of the four counter words
;; by constants, 32 × 32 -> 64 bits (i64.mul of the zero-extended words), and xors the high halves
;; with the other two words and the round's key. The normals use float64 throughout: ln, sin and cos
;; are JavaScript's own Math.log, Math.sin and Math.cos, imported (V8 calls them directly), √ is
;; IEEE's; each normal is then rounded to float32 and added as `values[i] += std z_i` in float32.
;;
;; scripts/generate.mjs assembles this file (wabt) into src/generated/wasm/philox.ts.
;;
;; Memory layout (philox.ts mirrors it):
;;    0  words   i32[4]       the last block's four output words
;;   64  values  f32[CHUNK]
(module
  (import "math" "log" (func $log (param f64) (result f64)))
  (import "math" "sin" (func $sin (param f64) (result f64)))
  (import "math" "cos" (func $cos (param f64) (result f64)))
  (memory (export "memory") 2)

  ;; Philox4x32-10 of the counter (c0, c1, c2, c3) under the key (k0, k1): its four output words
  ;; into memory 0-15. Round r uses the key (k0 + r W0, k1 + r W1) with the Weyl constants
  ;; W0 = 0x9e3779b9 and W1 = 0xbb67ae85; a round is, with M0 = 0xd2511f53 and M1 = 0xcd9e8d57,
  ;;   (c0, c1, c2, c3) <- (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1, lo(M0 c0)).
  (func $philox (export "words") (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32)
                                 (param $k0 i32) (param $k1 i32)
    (local $p0 i64) (local $p1 i64) (local $round i32)
    (loop $rounds
      (local.set $p0 (i64.mul (i64.extend_i32_u (local.get $c0)) (i64.const 0xd2511f53)))
      (local.set $p1 (i64.mul (i64.extend_i32_u (local.get $c2)) (i64.const 0xcd9e8d57)))
      (local.set $c0 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p1) (i64.const 32)))
                                       (local.get $c1))
                              (local.get $k0)))
      (local.set $c2 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p0) (i64.const 32)))
                                       (local.get $c3))
                              (local.get $k1)))
      (local.set $c1 (i32.wrap_i64 (local.get $p1)))
      (local.set $c3 (i32.wrap_i64 (local.get $p0)))
      (local.set $k0 (i32.add (local.get $k0) (i32.const 0x9e3779b9)))
      (local.set $k1 (i32.add (local.get $k1) (i32.const 0xbb67ae85)))
      (local.set $round (i32.add (local.get $round) (i32.const 1)))
      (br_if $rounds (i32.lt_u (local.get $round) (i32.const 10))))
    (i32.store (i32.const 0) (local.get $c0))
    (i32.store (i32.const 4) (local.get $c1))
    (i32.store (i32.const 8) (local.get $c2))
    (i32.store (i32.const 12) (local.get $c3)))

  ;; values[at], values[at + 1] += std (r cos θ, r sin θ) for the words $a (the radius) and $b (the
  ;; angle): u = ((a >>> 8) + 1) 2^-24 in (0, 1], r = sqrt(-2 ln u); θ = 2π (b >>> 8) 2^-24, taken
  ;; as quadrant q = b >>> 30 and φ = (π/2) f, f = ((b >>> 8) & 0x3fffff) 2^-22, so sin and cos
  ;; only see [0, π/2).
  (func $pair (param $a i32) (param $b i32) (param $at i32) (param $std f32)
    (local $r f64) (local $phi f64) (local $c f64) (local $s f64) (local $q i32)
    (local $x f64) (local $y f64)
    (local.set $r
      (f64.sqrt (f64.mul (f64.const -2)
        (call $log (f64.mul (f64.convert_i32_u (i32.add (i32.shr_u (local.get $a) (i32.const 8)) (i32.const 1)))
                            (f64.const 0x1p-24))))))
    (local.set $phi
      (f64.mul (f64.const 0x1.921fb54442d18p+0)
               (f64.mul (f64.convert_i32_u (i32.and (i32.shr_u (local.get $b) (i32.const 8)) (i32.const 0x3fffff)))
                        (f64.const 0x1p-22))))
    (local.set $c (call $cos (local.get $phi)))
    (local.set $s (call $sin (local.get $phi)))
    (local.set $q (i32.shr_u (local.get $b) (i32.const 30)))
    ;; (cos θ, sin θ) = (C, S), (-S, C), (-C, -S), (S, -C) for q = 0..3
    (local.set $x (select (local.get $s) (local.get $c) (i32.and (local.get $q) (i32.const 1))))
    (local.set $y (select (local.get $c) (local.get $s) (i32.and (local.get $q) (i32.const 1))))
    (local.set $x (select (f64.neg (local.get $x)) (local.get $x)
                          (i32.and (i32.xor (local.get $q) (i32.shr_u (local.get $q) (i32.const 1))) (i32.const 1))))
    (local.set $y (select (f64.neg (local.get $y)) (local.get $y) (i32.shr_u (local.get $q) (i32.const 1))))
    (f32.store (local.get $at)
      (f32.add (f32.load (local.get $at))
               (f32.mul (local.get $std) (f32.demote_f64 (f64.mul (local.get $r) (local.get $x))))))
    (f32.store offset=4 (local.get $at)
      (f32.add (f32.load offset=4 (local.get $at))
               (f32.mul (local.get $std) (f32.demote_f64 (f64.mul (local.get $r) (local.get $y)))))))

  ;; values[4j + i] += std z_{4(first + j) + i} for j < blocks, i < 4: block b is the Philox words
  ;; of the counter (b, stepLow, stepHigh, 0) under the key (k0, k1), elements 0-1 from words 0-1,
  ;; elements 2-3 from words 2-3.
  (func (export "fill") (param $first i32) (param $blocks i32) (param $std f32) (param $k0 i32)
                        (param $k1 i32) (param $stepLow i32) (param $stepHigh i32)
    (local $j i32) (local $at i32)
    (block $done
      (br_if $done (i32.eqz (local.get $blocks)))
      (loop $each
        (call $philox (i32.add (local.get $first) (local.get $j)) (local.get $stepLow) (local.get $stepHigh)
                      (i32.const 0) (local.get $k0) (local.get $k1))
        (local.set $at (i32.add (i32.const 64) (i32.shl (local.get $j) (i32.const 4))))
        (call $pair (i32.load (i32.const 0)) (i32.load (i32.const 4)) (local.get $at) (local.get $std))
        (call $pair (i32.load (i32.const 8)) (i32.load (i32.const 12)) (i32.add (local.get $at) (i32.const 8))
                    (local.get $std))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $each (i32.lt_u (local.get $j) (local.get $blocks)))))))
