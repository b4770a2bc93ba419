;; The `philox` noise generator of philox.ts: Philox4x32-10 (Salmon, Moraes, Dror and Shaw,
;; "Parallel Random Numbers: As Easy as 1, 2, 3", SC 2011), a counter-based generator, and the
;; Box-Muller transform of its words. philox.ts documents the key, the counter and the normals; this
;; file follows it operation for operation, so test/helpers/philox-reference.ts (plain JavaScript)
;; reproduces it bit for bit.
;;
;; Philox is integer arithmetic only: each of the 10 rounds multiplies two of the four counter words
;; by constants, 32 × 32 -> 64 bits (i64.mul of the zero-extended words), and xors the high halves
;; with the other two words and the round's key. The normals are float32 throughout, and only +, -,
;; ×, /, sqrt and exact scalings: ln by the atanh series after an exact split u = 2^e f, sin and cos
;; by Taylor series on [0, π/4] after an exact reduction of the angle, the same operations in the
;; same order as the WGSL twin (philox-wgsl.ts), which may round its / and sqrt differently. No
;; imported Math: a call out of wasm per normal cost more than the series. `fill` draws four blocks
;; at a time in SIMD lanes ($fill4) and the last one to three blocks one at a time ($pair); both
;; take the same float32 operations, so where a block falls changes no bit.
;;
;; scripts/generate.mjs assembles this file (wabt) into src/generated/wasm/philox.ts.
;;
;; Memory layout (philox.ts mirrors it):
;;    0  words   i32[4]       the last block's four output words
;;   64  values  f32[CHUNK]
(module
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

;; ln u for u = m 2^-24, m an integer in [1, 2^24]: u = 2^(e - 24) f, f = m 2^-e in [√½, √2] exactly,
  ;; ln f = 2 atanh s, s = (f - 1)/(f + 1), |s| < 0.172, the series to s^11; ln 2 split so that
  ;; (e - 24) × its high part is exact.
  (func $lnUnit (param $m i32) (result f32)
    (local $e i32) (local $f f32) (local $s f32) (local $s2 f32) (local $k f32)
    (local.set $e (i32.sub (i32.const 31) (i32.clz (local.get $m))))
    (local.set $f (f32.mul (f32.convert_i32_u (local.get $m))
                           (f32.reinterpret_i32 (i32.shl (i32.sub (i32.const 127) (local.get $e)) (i32.const 23)))))
    (if (f32.gt (local.get $f) (f32.const 1.4142135))
      (then (local.set $f (f32.mul (local.get $f) (f32.const 0.5)))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))))
    (local.set $s (f32.div (f32.sub (local.get $f) (f32.const 1)) (f32.add (local.get $f) (f32.const 1))))
    (local.set $s2 (f32.mul (local.get $s) (local.get $s)))
    (local.set $k (f32.convert_i32_s (i32.sub (local.get $e) (i32.const 24))))
    (f32.add (f32.mul (local.get $k) (f32.const 0.693145751953125))
      (f32.add (f32.mul (local.get $k) (f32.const 1.4286068e-6))
        (f32.mul (f32.mul (f32.const 2) (local.get $s))
          (f32.add (f32.const 1) (f32.mul (local.get $s2)
            (f32.add (f32.const 0.33333334) (f32.mul (local.get $s2)
              (f32.add (f32.const 0.2) (f32.mul (local.get $s2)
                (f32.add (f32.const 0.14285715) (f32.mul (local.get $s2)
                  (f32.add (f32.const 0.11111111) (f32.mul (local.get $s2) (f32.const 0.09090909)))))))))))))))

  ;; values[at], values[at + 1] += std (r cos θ, r sin θ) for the words $a (the radius) and $b (the
  ;; angle): r = sqrt(-2 ln u), u = ((a >>> 8) + 1) 2^-24 in (0, 1]; θ in quadrant q = b >>> 30 at
  ;; φ = (π/2) g 2^-22, g = (b >>> 8) & 0x3fffff. Above π/4 (g > 2^21) the complement 2^22 - g is
  ;; taken and sin and cos swap, so the series only see x in [0, π/4]; π/2 is split in two floats.
  (func $pair (param $a i32) (param $b i32) (param $at i32) (param $std f32)
    (local $r f32) (local $g i32) (local $swap i32) (local $t f32) (local $x f32) (local $x2 f32)
    (local $sin f32) (local $cos f32) (local $q i32) (local $c f32) (local $s f32)
    (local.set $r (f32.sqrt (f32.mul (f32.const -2)
      (call $lnUnit (i32.add (i32.shr_u (local.get $a) (i32.const 8)) (i32.const 1))))))
    (local.set $g (i32.and (i32.shr_u (local.get $b) (i32.const 8)) (i32.const 0x3fffff)))
    (local.set $swap (i32.gt_u (local.get $g) (i32.const 0x200000)))
    (local.set $g (select (i32.sub (i32.const 0x400000) (local.get $g)) (local.get $g) (local.get $swap)))
    (local.set $t (f32.mul (f32.convert_i32_u (local.get $g)) (f32.const 0x1p-22)))
    (local.set $x (f32.add (f32.mul (local.get $t) (f32.const 1.5707964))
                           (f32.mul (local.get $t) (f32.const -4.371139e-8))))
    (local.set $x2 (f32.mul (local.get $x) (local.get $x)))
    (local.set $sin
      (f32.mul (local.get $x)
        (f32.add (f32.const 1) (f32.mul (local.get $x2)
          (f32.add (f32.const -0.16666667) (f32.mul (local.get $x2)
            (f32.add (f32.const 0.008333334) (f32.mul (local.get $x2)
              (f32.add (f32.const -0.0001984127) (f32.mul (local.get $x2) (f32.const 2.7557319e-6)))))))))))
    (local.set $cos
      (f32.add (f32.const 1) (f32.mul (local.get $x2)
        (f32.add (f32.const -0.5) (f32.mul (local.get $x2)
          (f32.add (f32.const 0.041666668) (f32.mul (local.get $x2)
            (f32.add (f32.const -0.0013888889) (f32.mul (local.get $x2)
              (f32.add (f32.const 2.4801588e-5) (f32.mul (local.get $x2) (f32.const -2.7557319e-7))))))))))))
    ;; (C, S) = (cos φ, sin φ); (cos θ, sin θ) = (C, S), (-S, C), (-C, -S), (S, -C) for q = 0..3
    (local.set $c (select (local.get $sin) (local.get $cos) (local.get $swap)))
    (local.set $s (select (local.get $cos) (local.get $sin) (local.get $swap)))
    (local.set $q (i32.shr_u (local.get $b) (i32.const 30)))
    (local.set $x (select (local.get $s) (local.get $c) (i32.and (local.get $q) (i32.const 1))))
    (local.set $t (select (local.get $c) (local.get $s) (i32.and (local.get $q) (i32.const 1))))
    (local.set $x (select (f32.neg (local.get $x)) (local.get $x)
                          (i32.and (i32.xor (local.get $q) (i32.shr_u (local.get $q) (i32.const 1))) (i32.const 1))))
    (local.set $t (select (f32.neg (local.get $t)) (local.get $t) (i32.shr_u (local.get $q) (i32.const 1))))
    (f32.store (local.get $at)
      (f32.add (f32.load (local.get $at)) (f32.mul (local.get $std) (f32.mul (local.get $r) (local.get $x)))))
    (f32.store offset=4 (local.get $at)
      (f32.add (f32.load offset=4 (local.get $at)) (f32.mul (local.get $std) (f32.mul (local.get $r) (local.get $t))))))

  ;; The same normals four blocks at a time in WebAssembly SIMD: lane i of every vector is block
  ;; first + j + i. Every lane takes exactly the scalar path's float32 operations (the exponent split
  ;; reads f32(m)'s bits instead of counting zeros: the same e and f), so the results are the same.

  ;; The high words of the four 32 × 32 -> 64-bit products c × m.
  (func $mulHi4 (param $c v128) (param $m v128) (result v128)
    (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
      (i64x2.extmul_low_i32x4_u (local.get $c) (local.get $m))
      (i64x2.extmul_high_i32x4_u (local.get $c) (local.get $m))))

  ;; $pair's (r cos θ, r sin θ) in four lanes, for the radius words $a and the angle words $b.
  (func $pair4 (param $a v128) (param $b v128) (result v128 v128)
    (local $m v128) (local $bits v128) (local $e v128) (local $f v128) (local $mask v128)
    (local $s v128) (local $s2 v128) (local $k v128) (local $r v128) (local $g v128) (local $swap v128)
    (local $t v128) (local $x v128) (local $x2 v128) (local $sin v128) (local $cos v128) (local $q v128)
    (local $c v128) (local $u v128) (local $v v128)
    (local.set $m (i32x4.add (i32x4.shr_u (local.get $a) (i32.const 8)) (v128.const i32x4 1 1 1 1)))
    (local.set $bits (f32x4.convert_i32x4_u (local.get $m)))
    (local.set $e (i32x4.sub (i32x4.shr_u (local.get $bits) (i32.const 23)) (v128.const i32x4 127 127 127 127)))
    (local.set $f (v128.or (v128.and (local.get $bits) (v128.const i32x4 0x7fffff 0x7fffff 0x7fffff 0x7fffff))
                           (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))
    (local.set $mask (f32x4.gt (local.get $f) (v128.const f32x4 1.4142135 1.4142135 1.4142135 1.4142135)))
    (local.set $f (v128.bitselect (f32x4.mul (local.get $f) (v128.const f32x4 0.5 0.5 0.5 0.5)) (local.get $f)
                                  (local.get $mask)))
    (local.set $e (i32x4.sub (local.get $e) (local.get $mask)))
    (local.set $s (f32x4.div (f32x4.sub (local.get $f) (v128.const f32x4 1 1 1 1))
                             (f32x4.add (local.get $f) (v128.const f32x4 1 1 1 1))))
    (local.set $s2 (f32x4.mul (local.get $s) (local.get $s)))
    (local.set $k (f32x4.convert_i32x4_s (i32x4.sub (local.get $e) (v128.const i32x4 24 24 24 24))))
    (local.set $r (f32x4.sqrt (f32x4.mul (v128.const f32x4 -2 -2 -2 -2)
      (f32x4.add (f32x4.mul (local.get $k) (v128.const f32x4 0.693145751953125 0.693145751953125 0.693145751953125 0.693145751953125))
        (f32x4.add (f32x4.mul (local.get $k) (v128.const f32x4 1.4286068e-6 1.4286068e-6 1.4286068e-6 1.4286068e-6))
          (f32x4.mul (f32x4.mul (v128.const f32x4 2 2 2 2) (local.get $s))
            (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $s2)
              (f32x4.add (v128.const f32x4 0.33333334 0.33333334 0.33333334 0.33333334) (f32x4.mul (local.get $s2)
                (f32x4.add (v128.const f32x4 0.2 0.2 0.2 0.2) (f32x4.mul (local.get $s2)
                  (f32x4.add (v128.const f32x4 0.14285715 0.14285715 0.14285715 0.14285715) (f32x4.mul (local.get $s2)
                    (f32x4.add (v128.const f32x4 0.11111111 0.11111111 0.11111111 0.11111111)
                               (f32x4.mul (local.get $s2) (v128.const f32x4 0.09090909 0.09090909 0.09090909 0.09090909)))))))))))))))))
    (local.set $g (v128.and (i32x4.shr_u (local.get $b) (i32.const 8)) (v128.const i32x4 0x3fffff 0x3fffff 0x3fffff 0x3fffff)))
    (local.set $swap (i32x4.gt_u (local.get $g) (v128.const i32x4 0x200000 0x200000 0x200000 0x200000)))
    (local.set $g (v128.bitselect (i32x4.sub (v128.const i32x4 0x400000 0x400000 0x400000 0x400000) (local.get $g))
                                  (local.get $g) (local.get $swap)))
    (local.set $t (f32x4.mul (f32x4.convert_i32x4_u (local.get $g)) (v128.const f32x4 0x1p-22 0x1p-22 0x1p-22 0x1p-22)))
    (local.set $x (f32x4.add (f32x4.mul (local.get $t) (v128.const f32x4 1.5707964 1.5707964 1.5707964 1.5707964))
                             (f32x4.mul (local.get $t) (v128.const f32x4 -4.371139e-8 -4.371139e-8 -4.371139e-8 -4.371139e-8))))
    (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $sin
      (f32x4.mul (local.get $x)
        (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $x2)
          (f32x4.add (v128.const f32x4 -0.16666667 -0.16666667 -0.16666667 -0.16666667) (f32x4.mul (local.get $x2)
            (f32x4.add (v128.const f32x4 0.008333334 0.008333334 0.008333334 0.008333334) (f32x4.mul (local.get $x2)
              (f32x4.add (v128.const f32x4 -0.0001984127 -0.0001984127 -0.0001984127 -0.0001984127)
                         (f32x4.mul (local.get $x2) (v128.const f32x4 2.7557319e-6 2.7557319e-6 2.7557319e-6 2.7557319e-6)))))))))))
    (local.set $cos
      (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $x2)
        (f32x4.add (v128.const f32x4 -0.5 -0.5 -0.5 -0.5) (f32x4.mul (local.get $x2)
          (f32x4.add (v128.const f32x4 0.041666668 0.041666668 0.041666668 0.041666668) (f32x4.mul (local.get $x2)
            (f32x4.add (v128.const f32x4 -0.0013888889 -0.0013888889 -0.0013888889 -0.0013888889) (f32x4.mul (local.get $x2)
              (f32x4.add (v128.const f32x4 2.4801588e-5 2.4801588e-5 2.4801588e-5 2.4801588e-5)
                         (f32x4.mul (local.get $x2) (v128.const f32x4 -2.7557319e-7 -2.7557319e-7 -2.7557319e-7 -2.7557319e-7))))))))))))
    (local.set $c (v128.bitselect (local.get $sin) (local.get $cos) (local.get $swap)))
    (local.set $s (v128.bitselect (local.get $cos) (local.get $sin) (local.get $swap)))
    (local.set $q (i32x4.shr_u (local.get $b) (i32.const 30)))
    (local.set $mask (i32x4.ne (v128.and (local.get $q) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 0 0 0 0)))
    (local.set $u (v128.bitselect (local.get $s) (local.get $c) (local.get $mask)))
    (local.set $v (v128.bitselect (local.get $c) (local.get $s) (local.get $mask)))
    (local.set $mask (i32x4.ne (v128.and (v128.xor (local.get $q) (i32x4.shr_u (local.get $q) (i32.const 1)))
                                         (v128.const i32x4 1 1 1 1))
                               (v128.const i32x4 0 0 0 0)))
    (local.set $u (v128.bitselect (f32x4.neg (local.get $u)) (local.get $u) (local.get $mask)))
    (local.set $mask (i32x4.ne (i32x4.shr_u (local.get $q) (i32.const 1)) (v128.const i32x4 0 0 0 0)))
    (local.set $v (v128.bitselect (f32x4.neg (local.get $v)) (local.get $v) (local.get $mask)))
    (f32x4.mul (local.get $r) (local.get $u))
    (f32x4.mul (local.get $r) (local.get $v)))

  ;; values[at .. at + 16) += std z of the four blocks whose first counter words are $c0, block
  ;; first + j + i in lane i: $philox's rounds in four lanes, then a 4 × 4 transpose so that each
  ;; block's four normals are consecutive.
  (func $fill4 (param $c0 v128) (param $at i32) (param $std v128) (param $k0 i32) (param $k1 i32)
                (param $stepLow i32) (param $stepHigh i32)
    (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $h0 v128) (local $h1 v128) (local $l0 v128)
    (local $l1 v128) (local $round i32) (local $za v128) (local $zb v128) (local $zc v128) (local $zd v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $c1 (i32x4.splat (local.get $stepLow)))
    (local.set $c2 (i32x4.splat (local.get $stepHigh)))
    (loop $rounds
      (local.set $h0 (call $mulHi4 (local.get $c0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53)))
      (local.set $l0 (i32x4.mul (local.get $c0) (v128.const i32x4 0xd2511f53 0xd2511f53 0xd2511f53 0xd2511f53)))
      (local.set $h1 (call $mulHi4 (local.get $c2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57)))
      (local.set $l1 (i32x4.mul (local.get $c2) (v128.const i32x4 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57 0xcd9e8d57)))
      (local.set $c0 (v128.xor (v128.xor (local.get $h1) (local.get $c1)) (i32x4.splat (local.get $k0))))
      (local.set $c2 (v128.xor (v128.xor (local.get $h0) (local.get $c3)) (i32x4.splat (local.get $k1))))
      (local.set $c1 (local.get $l1))
      (local.set $c3 (local.get $l0))
      (local.set $k0 (i32.add (local.get $k0) (i32.const 0x9e3779b9)))
      (local.set $k1 (i32.add (local.get $k1) (i32.const 0xbb67ae85)))
      (local.set $round (i32.add (local.get $round) (i32.const 1)))
      (br_if $rounds (i32.lt_u (local.get $round) (i32.const 10))))
    (call $pair4 (local.get $c0) (local.get $c1))
    (local.set $zb)
    (local.set $za)
    (call $pair4 (local.get $c2) (local.get $c3))
    (local.set $zd)
    (local.set $zc)
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $za) (local.get $zb)))
    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $za) (local.get $zb)))
    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $zc) (local.get $zd)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $zc) (local.get $zd)))
    (v128.store (local.get $at) (f32x4.add (v128.load (local.get $at)) (f32x4.mul (local.get $std)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))))
    (v128.store offset=16 (local.get $at) (f32x4.add (v128.load offset=16 (local.get $at)) (f32x4.mul (local.get $std)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))))
    (v128.store offset=32 (local.get $at) (f32x4.add (v128.load offset=32 (local.get $at)) (f32x4.mul (local.get $std)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))))
    (v128.store offset=48 (local.get $at) (f32x4.add (v128.load offset=48 (local.get $at)) (f32x4.mul (local.get $std)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3))))))

  ;; values[4j + i] += std z_{4(first + j) + i} for j < blocks, i < 4: block b is the Philox words
  ;; of the counter (b, stepLow, stepHigh, 0) under the key (k0, k1), elements 0-1 from words 0-1,
  ;; elements 2-3 from words 2-3.
  (func (export "fill") (param $first i32) (param $blocks i32) (param $std f32) (param $k0 i32)
                        (param $k1 i32) (param $stepLow i32) (param $stepHigh i32)
    (local $j i32) (local $at i32)
    ;; Four blocks at a time while four remain, then one at a time.
    (block $simdDone
      (loop $four
        (br_if $simdDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $blocks)))
        (call $fill4 (i32x4.add (i32x4.splat (i32.add (local.get $first) (local.get $j))) (v128.const i32x4 0 1 2 3))
                     (i32.add (i32.const 64) (i32.shl (local.get $j) (i32.const 4))) (f32x4.splat (local.get $std))
                     (local.get $k0) (local.get $k1) (local.get $stepLow) (local.get $stepHigh))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $four)))
    (block $done
      (br_if $done (i32.ge_u (local.get $j) (local.get $blocks)))
      (loop $each
        (call $philox (i32.add (local.get $first) (local.get $j)) (local.get $stepLow) (local.get $stepHigh)
                      (i32.const 0) (local.get $k0) (local.get $k1))
        (local.set $at (i32.add (i32.const 64) (i32.shl (local.get $j) (i32.const 4))))
        (call $pair (i32.load (i32.const 0)) (i32.load (i32.const 4)) (local.get $at) (local.get $std))
        (call $pair (i32.load (i32.const 8)) (i32.load (i32.const 12)) (i32.add (local.get $at) (i32.const 8))
                    (local.get $std))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $each (i32.lt_u (local.get $j) (local.get $blocks)))))))
