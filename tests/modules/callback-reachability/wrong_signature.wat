;; A callback export whose signature is not (i32, i32, i32) -> i32: the
;; fact model derives nothing for it, and the pass declines it and says
;; why.
;; test module-pass callback-reachability, module-dce
;; changed: nothing
;; removed: nothing
;; note: callback `[callback][async-lift]t#f` (function 1): declined: signature (i32, i32) -> (i32) is not (i32, i32, i32) -> i32
(module
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on (param i32 i32) (global.set $acc (i32.add (global.get $acc) (i32.mul (local.get 0) (local.get 1)))))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (result i32)
    (if (i32.eq (local.get $event) (i32.const 1)) (then (call $on (i32.const 1) (local.get $p1))))
    (if (i32.eq (local.get $event) (i32.const 3)) (then (call $on (i32.const 3) (local.get $p1))))
    (global.get $acc)))
