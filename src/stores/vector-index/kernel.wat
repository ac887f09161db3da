;; Dot-product kernel of the vector index (see simd-kernel.ts). Memory is imported so the
;; index controls its layout: [query | scores | rows]. Rows are float32 or int8, row-major.
(module
  (import "env" "memory" (memory 1))
  ;; out[r] = dot(q, data[r]) for r < count; f32 rows of `dims`
  (func (export "dotF32") (param $q i32) (param $data i32) (param $count i32) (param $dims i32) (param $out i32)
    (local $row i32) (local $end i32) (local $i i32) (local $bytes i32) (local $vec_end i32)
    (local $a0 v128) (local $a1 v128) (local $s f32)
    (local.set $bytes (i32.shl (local.get $dims) (i32.const 2)))
    (local.set $vec_end (i32.and (local.get $bytes) (i32.const -32)))
    (local.set $row (local.get $data))
    (local.set $end (i32.add (local.get $data) (i32.mul (local.get $count) (local.get $bytes))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $vd
          (loop $vl
            (br_if $vd (i32.ge_u (local.get $i) (local.get $vec_end)))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (v128.load (i32.add (local.get $q) (local.get $i)))
                         (v128.load (i32.add (local.get $row) (local.get $i))))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $q) (local.get $i)))
                         (v128.load offset=16 (i32.add (local.get $row) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 32)))
            (br $vl)))
        (local.set $a0 (f32x4.add (local.get $a0) (local.get $a1)))
        (local.set $s (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
          (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (block $td
          (loop $tl
            (br_if $td (i32.ge_u (local.get $i) (local.get $bytes)))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (f32.load (i32.add (local.get $q) (local.get $i)))
                       (f32.load (i32.add (local.get $row) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $tl)))
        (f32.store (local.get $out) (local.get $s))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (local.get $bytes)))
        (br $rows))))
  ;; out[r] = dot(q8, data8[r]) as i32, int8 rows of `dims`
  (func (export "dotI8") (param $q i32) (param $data i32) (param $count i32) (param $dims i32) (param $out i32)
    (local $row i32) (local $end i32) (local $i i32) (local $vec_end i32)
    (local $a0 v128) (local $a1 v128) (local $s i32)
    (local.set $vec_end (i32.and (local.get $dims) (i32.const -16)))
    (local.set $row (local.get $data))
    (local.set $end (i32.add (local.get $data) (i32.mul (local.get $count) (local.get $dims))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $vd
          (loop $vl
            (br_if $vd (i32.ge_u (local.get $i) (local.get $vec_end)))
            (local.set $a0 (i32x4.add (local.get $a0)
              (i32x4.dot_i16x8_s (v128.load8x8_s (i32.add (local.get $q) (local.get $i)))
                                 (v128.load8x8_s (i32.add (local.get $row) (local.get $i))))))
            (local.set $a1 (i32x4.add (local.get $a1)
              (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (i32.add (local.get $q) (local.get $i)))
                                 (v128.load8x8_s offset=8 (i32.add (local.get $row) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $vl)))
        (local.set $a0 (i32x4.add (local.get $a0) (local.get $a1)))
        (local.set $s (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $a0)) (i32x4.extract_lane 1 (local.get $a0)))
          (i32.add (i32x4.extract_lane 2 (local.get $a0)) (i32x4.extract_lane 3 (local.get $a0)))))
        (block $td
          (loop $tl
            (br_if $td (i32.ge_u (local.get $i) (local.get $dims)))
            (local.set $s (i32.add (local.get $s)
              (i32.mul (i32.load8_s (i32.add (local.get $q) (local.get $i)))
                       (i32.load8_s (i32.add (local.get $row) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tl)))
        (i32.store (local.get $out) (local.get $s))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (local.get $dims)))
        (br $rows))))
)
