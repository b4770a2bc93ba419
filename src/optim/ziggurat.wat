;; The ziggurat of gaussian.ts, in WebAssembly: faster than the same loops as JavaScript on V8
;; (docs/benchmarks.md, "Figures behind the code"). Its results are bit-identical to them: the
;; same SFC32 lanes, the same tables, every product and sum in float64 in the same order, rounded
;; to float32 only on the store, and exp and log are JavaScript's own Math.exp and Math.log,
;; imported.
;;
;; scripts/generate.mjs assembles this file (wabt) into src/generated/wasm/ziggurat.ts.
;;
;; Memory layout (gaussian.ts writes the tables and mirrors the rest):
;;      0  CELL_W  f64[256]   position -> signed x per cell (sign bit x 128 + layer)
;;   2048  CELL_K  i32[256]   acceptance threshold per cell (K of the cell's layer)
;;   3072  state   i32[12]    a b c d of lane 0 (even elements), lane 1 (odd), lane 2 (slow path)
;;   3136  F       f64[128]   f(x_i) per layer, F[0] = f(0) = 1
;;   8192  values  f32[CHUNK], then the deferred draws: index i32[CHUNK], draw i32[CHUNK],
;;                 base f32[CHUNK]
(module
  (import "math" "exp" (func $exp (param f64) (result f64)))
  (import "math" "log" (func $log (param f64) (result f64)))
  (memory (export "memory") 5)

  ;; The tail's start: the last layer's right edge (gaussian.ts's R).
  (global $R f64 (f64.const 3.442619855899))

  ;; Lane 2's next output (SFC32), its state kept in memory: the slow path is rare.
  (func $next (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $t i32)
    (local.set $a (i32.load (i32.const 3104)))
    (local.set $b (i32.load (i32.const 3108)))
    (local.set $c (i32.load (i32.const 3112)))
    (local.set $d (i32.load (i32.const 3116)))
    (local.set $t (i32.add (i32.add (local.get $a) (local.get $b)) (local.get $d)))
    (i32.store (i32.const 3116) (i32.add (local.get $d) (i32.const 1)))
    (i32.store (i32.const 3104) (i32.xor (local.get $b) (i32.shr_u (local.get $b) (i32.const 9))))
    (i32.store (i32.const 3108) (i32.add (local.get $c) (i32.shl (local.get $c) (i32.const 3))))
    (i32.store (i32.const 3112) (i32.add (i32.rotl (local.get $c) (i32.const 21)) (local.get $t)))
    (local.get $t))

  ;; A uniform double in (0, 1) from lane 2: (u + 0.5) / 2^32.
  (func $unit (result f64)
    (f64.div (f64.add (f64.convert_i32_u (call $next)) (f64.const 0.5))
             (f64.const 4294967296)))

  ;; The exact ziggurat for the draw $u (gaussian.ts documents the fields): accepted at once in the
  ;; fast region, else the tail, a wedge test, or a fresh draw, with lane 2's randomness.
  (func $slow (export "slow") (param $u i32) (result f64)
    (local $cell i32) (local $layer i32) (local $position i32)
    (local $x f64) (local $y f64) (local $lower f64)
    (loop $draw
      (local.set $cell (i32.and (local.get $u) (i32.const 255)))
      (local.set $layer (i32.and (local.get $u) (i32.const 127)))
      (local.set $position (i32.shr_u (local.get $u) (i32.const 8)))
      ;; Signed x: (-w) * p is -(w * p) exactly.
      (local.set $x (f64.mul (f64.convert_i32_u (local.get $position))
                             (f64.load (i32.shl (local.get $cell) (i32.const 3)))))
      (if (i32.lt_u (local.get $position)
                    (i32.load offset=2048 (i32.shl (local.get $cell) (i32.const 2))))
        (then (return (local.get $x))))
      (if (i32.eqz (local.get $layer))
        (then
          ;; Marsaglia's tail method: exact samples from the normal conditioned on |x| > R.
          (loop $tail
            (local.set $x (f64.div (f64.neg (call $log (call $unit))) (global.get $R)))
            (local.set $y (f64.neg (call $log (call $unit))))
            (br_if $tail (f64.lt (f64.add (local.get $y) (local.get $y))
                                 (f64.mul (local.get $x) (local.get $x)))))
          (local.set $x (f64.add (global.get $R) (local.get $x)))
          (return (select (f64.neg (local.get $x)) (local.get $x)
                          (i32.and (local.get $u) (i32.const 128))))))
      ;; The wedge: accept when a uniform height in [F[layer], F[layer - 1]] is under the curve.
      (local.set $lower (f64.load offset=3136 (i32.shl (local.get $layer) (i32.const 3))))
      (local.set $y
        (f64.add (local.get $lower)
          (f64.mul (call $unit)
            (f64.sub (f64.load offset=3128 (i32.shl (local.get $layer) (i32.const 3)))
                     (local.get $lower)))))
      (if (f64.lt (local.get $y)
                  (call $exp (f64.mul (f64.mul (f64.const -0.5) (local.get $x)) (local.get $x))))
        (then (return (local.get $x))))
      (local.set $u (call $next))
      (br $draw))
    (unreachable))

  ;; values[i] += std * z_i for i < n (n even), z_i the fast-region normal of lane i & 1's next
  ;; output. A draw outside the fast region is still written as if accepted, and its index, output
  ;; and base value are appended to the deferred lists. Returns how many were deferred. The lanes'
  ;; state is read from and written back to memory, so consecutive calls continue the streams.
  (func (export "fill")
        (param $n i32) (param $std f64) (param $deferred i32) (param $draws i32) (param $bases i32)
        (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    (local $t i32) (local $u i32) (local $cell i32) (local $position i32)
    (local $ptr i32) (local $end i32) (local $pending i32) (local $slot i32)
    (local.set $a (i32.load (i32.const 3072)))
    (local.set $b (i32.load (i32.const 3076)))
    (local.set $c (i32.load (i32.const 3080)))
    (local.set $d (i32.load (i32.const 3084)))
    (local.set $e (i32.load (i32.const 3088)))
    (local.set $f (i32.load (i32.const 3092)))
    (local.set $g (i32.load (i32.const 3096)))
    (local.set $h (i32.load (i32.const 3100)))
    (local.set $ptr (i32.const 8192))
    (local.set $end (i32.add (i32.const 8192) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
      (loop $pairs
        ;; SFC32, lane 0: t is the output.
        (local.set $t (i32.add (i32.add (local.get $a) (local.get $b)) (local.get $d)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (local.set $a (i32.xor (local.get $b) (i32.shr_u (local.get $b) (i32.const 9))))
        (local.set $b (i32.add (local.get $c) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $c (i32.add (i32.rotl (local.get $c) (i32.const 21)) (local.get $t)))
        ;; SFC32, lane 1: u. Two independent chains, so the CPU overlaps them.
        (local.set $u (i32.add (i32.add (local.get $e) (local.get $f)) (local.get $h)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (local.set $e (i32.xor (local.get $f) (i32.shr_u (local.get $f) (i32.const 9))))
        (local.set $f (i32.add (local.get $g) (i32.shl (local.get $g) (i32.const 3))))
        (local.set $g (i32.add (i32.rotl (local.get $g) (i32.const 21)) (local.get $u)))

        ;; Even element: bits 0-7 pick the cell, bits 8-31 the position.
        (local.set $cell (i32.and (local.get $t) (i32.const 255)))
        (local.set $position (i32.shr_u (local.get $t) (i32.const 8)))
        (if (i32.ge_u (local.get $position)
                      (i32.load offset=2048 (i32.shl (local.get $cell) (i32.const 2))))
          (then
            (local.set $slot (i32.shl (local.get $pending) (i32.const 2)))
            (i32.store (i32.add (local.get $deferred) (local.get $slot))
              (i32.shr_u (i32.sub (local.get $ptr) (i32.const 8192)) (i32.const 2)))
            (i32.store (i32.add (local.get $draws) (local.get $slot)) (local.get $t))
            (f32.store (i32.add (local.get $bases) (local.get $slot)) (f32.load (local.get $ptr)))
            (local.set $pending (i32.add (local.get $pending) (i32.const 1)))))
        (f32.store (local.get $ptr)
          (f32.demote_f64
            (f64.add
              (f64.promote_f32 (f32.load (local.get $ptr)))
              (f64.mul (local.get $std)
                (f64.mul (f64.convert_i32_u (local.get $position))
                         (f64.load (i32.shl (local.get $cell) (i32.const 3))))))))

        ;; Odd element, the same with u.
        (local.set $cell (i32.and (local.get $u) (i32.const 255)))
        (local.set $position (i32.shr_u (local.get $u) (i32.const 8)))
        (if (i32.ge_u (local.get $position)
                      (i32.load offset=2048 (i32.shl (local.get $cell) (i32.const 2))))
          (then
            (local.set $slot (i32.shl (local.get $pending) (i32.const 2)))
            (i32.store (i32.add (local.get $deferred) (local.get $slot))
              (i32.add (i32.shr_u (i32.sub (local.get $ptr) (i32.const 8192)) (i32.const 2))
                       (i32.const 1)))
            (i32.store (i32.add (local.get $draws) (local.get $slot)) (local.get $u))
            (f32.store (i32.add (local.get $bases) (local.get $slot))
              (f32.load offset=4 (local.get $ptr)))
            (local.set $pending (i32.add (local.get $pending) (i32.const 1)))))
        (f32.store offset=4 (local.get $ptr)
          (f32.demote_f64
            (f64.add
              (f64.promote_f32 (f32.load offset=4 (local.get $ptr)))
              (f64.mul (local.get $std)
                (f64.mul (f64.convert_i32_u (local.get $position))
                         (f64.load (i32.shl (local.get $cell) (i32.const 3))))))))

        (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))
        (br_if $pairs (i32.lt_u (local.get $ptr) (local.get $end)))))
    (i32.store (i32.const 3072) (local.get $a))
    (i32.store (i32.const 3076) (local.get $b))
    (i32.store (i32.const 3080) (local.get $c))
    (i32.store (i32.const 3084) (local.get $d))
    (i32.store (i32.const 3088) (local.get $e))
    (i32.store (i32.const 3092) (local.get $f))
    (i32.store (i32.const 3096) (local.get $g))
    (i32.store (i32.const 3100) (local.get $h))
    (local.get $pending))

  ;; Redoes the $pending deferred draws of the last fill, in order, by the exact slow path:
  ;; values[index] = base + std * z.
  (func (export "redo")
        (param $pending i32) (param $std f64) (param $deferred i32) (param $draws i32)
        (param $bases i32)
    (local $slot i32) (local $end i32)
    (local.set $end (i32.shl (local.get $pending) (i32.const 2)))
    (block $done
      (br_if $done (i32.ge_u (local.get $slot) (local.get $end)))
      (loop $each
        (f32.store offset=8192
          (i32.shl (i32.load (i32.add (local.get $deferred) (local.get $slot))) (i32.const 2))
          (f32.demote_f64
            (f64.add
              (f64.promote_f32 (f32.load (i32.add (local.get $bases) (local.get $slot))))
              (f64.mul (local.get $std)
                (call $slow (i32.load (i32.add (local.get $draws) (local.get $slot))))))))
        (local.set $slot (i32.add (local.get $slot) (i32.const 4)))
        (br_if $each (i32.lt_u (local.get $slot) (local.get $end)))))))
