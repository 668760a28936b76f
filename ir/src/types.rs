//! Value types.

use core::fmt;

/// The type of an SSA value: the wasm value types weft models.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Type {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// IEEE 754 binary32.
    F32,
    /// IEEE 754 binary64.
    F64,
    /// 128-bit SIMD vector.
    V128,
    /// Nullable reference to a function.
    FuncRef,
    /// Nullable reference to a host object.
    ExternRef,
}

impl Type {
    /// Every type, in printing order.
    pub const ALL: [Type; 7] = [Type::I32, Type::I64, Type::F32, Type::F64, Type::V128, Type::FuncRef, Type::ExternRef];

    /// The text-format name (`i32`, `funcref`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::F32 => "f32",
            Type::F64 => "f64",
            Type::V128 => "v128",
            Type::FuncRef => "funcref",
            Type::ExternRef => "externref",
        }
    }

    /// Parses a text-format type name.
    pub fn from_name(s: &str) -> Option<Type> {
        Type::ALL.into_iter().find(|t| t.name() == s)
    }

    /// Is this `funcref` or `externref`?
    pub fn is_ref(self) -> bool {
        matches!(self, Type::FuncRef | Type::ExternRef)
    }

    /// Is this an integer type?
    pub fn is_int(self) -> bool {
        matches!(self, Type::I32 | Type::I64)
    }

    /// Is this a float type?
    pub fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }

    /// Width in bits of a numeric or vector type (refs report 0).
    pub fn bits(self) -> u32 {
        match self {
            Type::I32 | Type::F32 => 32,
            Type::I64 | Type::F64 => 64,
            Type::V128 => 128,
            Type::FuncRef | Type::ExternRef => 0,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
