//! Closed sets of snake_case values, declared once.

/// Declares a closed set of snake_case values: the enum with serde and OpenAPI derives,
/// `ALL`, `as_str`, `parse` (whose error lists the accepted values) and `Display`.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $s:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, $crate::__serde::Serialize, $crate::__serde::Deserialize, $crate::__utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }

            pub fn parse(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok($name::$variant),)*
                    other => Err(format!(
                        "unknown value '{}'; expected one of: {}",
                        other.chars().take(40).collect::<String>(),
                        [$($s),*].join(", ")
                    )),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
