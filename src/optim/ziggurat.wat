;; The fast pass of the ziggurat (gaussian.ts), in WebAssembly: 3x faster than the same loop as
;; JavaScript on V8 (about 3.3 against 9–11 ns per normal; docs/benchmarks.md). Its results are
;; bit-identical to it: the same two SFC32 lanes, the same 256-cell tables, and every product and
;; sum in float64 in the same order, rounded to float32 only on the store.
;;
;; scripts/generate.mjs assembles this file (wabt) into src/generated/wasm/ziggurat.ts.
;;
;; Memory layout (gaussian.ts mirrors it):
;;      0  CELL_W  f64[256]  position -> x multiplier per cell (sign bit x 128 + layer)
;;   2048  CELL_K  i32[256]  acceptance threshold per cell
;;   3072  state   i32[8]    a b c d of the even lane, then a b c d of the odd lane
;;   4096  values  f32[CHUNK], then the deferred draws' indices i32[CHUNK] and draws i32[CHUNK]
(module
  (memory (export "memory") 4)

  ;; values[i] += std * z_i for i < n (n even), z_i the fast-region normal of lane i & 1's next
  ;; output. A draw outside the fast region is still written as if accepted, and its index and
  ;; output are appended to the deferred lists at $deferred and $draws. Returns how many were
  ;; deferred. The lanes' state is read from and written
  ;; back to 3072, so consecutive calls continue the streams.
  (func (export "fill") (param $n i32) (param $std f64) (param $deferred i32) (param $draws i32)
        (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    (local $t i32) (local $u i32) (local $cell i32) (local $position i32)
    (local $ptr i32) (local $end i32) (local $pending i32)
    (local.set $a (i32.load (i32.const 3072)))
    (local.set $b (i32.load (i32.const 3076)))
    (local.set $c (i32.load (i32.const 3080)))
    (local.set $d (i32.load (i32.const 3084)))
    (local.set $e (i32.load (i32.const 3088)))
    (local.set $f (i32.load (i32.const 3092)))
    (local.set $g (i32.load (i32.const 3096)))
    (local.set $h (i32.load (i32.const 3100)))
    (local.set $ptr (i32.const 4096))
    (local.set $end (i32.add (i32.const 4096) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
      (loop $pairs
        ;; SFC32, even lane: t is the output.
        (local.set $t (i32.add (i32.add (local.get $a) (local.get $b)) (local.get $d)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (local.set $a (i32.xor (local.get $b) (i32.shr_u (local.get $b) (i32.const 9))))
        (local.set $b (i32.add (local.get $c) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $c (i32.add (i32.rotl (local.get $c) (i32.const 21)) (local.get $t)))
        ;; SFC32, odd lane: u. Two independent chains, so the CPU overlaps them.
        (local.set $u (i32.add (i32.add (local.get $e) (local.get $f)) (local.get $h)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (local.set $e (i32.xor (local.get $f) (i32.shr_u (local.get $f) (i32.const 9))))
        (local.set $f (i32.add (local.get $g) (i32.shl (local.get $g) (i32.const 3))))
        (local.set $g (i32.add (i32.rotl (local.get $g) (i32.const 21)) (local.get $u)))

        ;; Even element: bits 0-7 pick the cell, bits 8-31 the position.
        (local.set $cell (i32.and (local.get $t) (i32.const 255)))
        (local.set $position (i32.shr_u (local.get $t) (i32.const 8)))
        (f32.store (local.get $ptr)
          (f32.demote_f64
            (f64.add
              (f64.promote_f32 (f32.load (local.get $ptr)))
              (f64.mul (local.get $std)
                (f64.mul (f64.convert_i32_u (local.get $position))
                         (f64.load (i32.shl (local.get $cell) (i32.const 3))))))))
        (if (i32.ge_u (local.get $position)
                      (i32.load offset=2048 (i32.shl (local.get $cell) (i32.const 2))))
          (then
            (i32.store (i32.add (local.get $deferred) (i32.shl (local.get $pending) (i32.const 2)))
              (i32.shr_u (i32.sub (local.get $ptr) (i32.const 4096)) (i32.const 2)))
            (i32.store (i32.add (local.get $draws) (i32.shl (local.get $pending) (i32.const 2)))
              (local.get $t))
            (local.set $pending (i32.add (local.get $pending) (i32.const 1)))))

        ;; Odd element, the same with u.
        (local.set $cell (i32.and (local.get $u) (i32.const 255)))
        (local.set $position (i32.shr_u (local.get $u) (i32.const 8)))
        (f32.store offset=4 (local.get $ptr)
          (f32.demote_f64
            (f64.add
              (f64.promote_f32 (f32.load offset=4 (local.get $ptr)))
              (f64.mul (local.get $std)
                (f64.mul (f64.convert_i32_u (local.get $position))
                         (f64.load (i32.shl (local.get $cell) (i32.const 3))))))))
        (if (i32.ge_u (local.get $position)
                      (i32.load offset=2048 (i32.shl (local.get $cell) (i32.const 2))))
          (then
            (i32.store (i32.add (local.get $deferred) (i32.shl (local.get $pending) (i32.const 2)))
              (i32.add (i32.shr_u (i32.sub (local.get $ptr) (i32.const 4096)) (i32.const 2))
                       (i32.const 1)))
            (i32.store (i32.add (local.get $draws) (i32.shl (local.get $pending) (i32.const 2)))
              (local.get $u))
            (local.set $pending (i32.add (local.get $pending) (i32.const 1)))))

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
    (local.get $pending)))
