;; The same dispatch exported under a name that is not a callback's: no
;; fact is known about its first parameter, and nothing changes although
;; the module imports no event-producing intrinsic.
;; test module-pass callback-reachability, module-dce
;; changed: nothing
;; removed: nothing
(module
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on (param i32 i32) (global.set $acc (i32.add (global.get $acc) (i32.mul (local.get 0) (local.get 1)))))
  (func $dispatch (export "[async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (if (i32.eq (local.get $event) (i32.const 1)) (then (call $on (i32.const 1) (local.get $p1))))
    (if (i32.eq (local.get $event) (i32.const 3)) (then (call $on (i32.const 3) (local.get $p1))))
    (if (i32.eq (local.get $event) (i32.const 6)) (then (call $on (i32.const 6) (local.get $p2))))
    (global.get $acc)))
