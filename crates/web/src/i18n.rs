//! Message catalogues: every word a page shows comes from `messages/<lang>.toml`,
//! compiled into the binary. Indonesian is the default; English is a switch remembered
//! in a cookie. A key missing from a catalogue shows as the key itself, and a unit test
//! keeps that from happening.

use std::collections::HashMap;
use std::sync::OnceLock;

pub use pasar_core::format::Lang;

fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::Id => include_str!("../messages/id.toml"),
        Lang::En => include_str!("../messages/en.toml"),
    }
}

/// One catalogue, flattened: `[login]` + `title = "…"` is the key `login.title`.
pub struct Catalogue {
    messages: HashMap<String, String>,
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out),
            other => panic!("message {key} is not a string: {other}"),
        }
    }
}

impl Catalogue {
    fn parse(source: &str) -> Catalogue {
        let table: toml::Table = source.parse().expect("a message catalogue is valid TOML");
        let mut messages = HashMap::new();
        flatten("", &table, &mut messages);
        Catalogue { messages }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.messages.get(key).map(String::as_str)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.messages.keys().map(String::as_str)
    }
}

/// The catalogue of `lang`, parsed once.
pub fn catalogue(lang: Lang) -> &'static Catalogue {
    static ID: OnceLock<Catalogue> = OnceLock::new();
    static EN: OnceLock<Catalogue> = OnceLock::new();
    let cell = match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    };
    cell.get_or_init(|| Catalogue::parse(source(lang)))
}

/// The message `key` in `lang` (the key itself if it is missing, which tests forbid).
pub fn t(lang: Lang, key: &str) -> String {
    catalogue(lang).get(key).unwrap_or(key).to_owned()
}

/// The message `key` with each `{name}` replaced by its value.
pub fn t_with(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(lang: Lang) -> BTreeSet<String> {
        catalogue(lang).keys().map(str::to_owned).collect()
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let (id, en) = (keys(Lang::Id), keys(Lang::En));
        let only_id: Vec<_> = id.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&id).collect();
        assert!(only_id.is_empty() && only_en.is_empty(), "only in id.toml: {only_id:?}; only in en.toml: {only_en:?}");
    }

    /// Every `t("…")` / `t_with("…"` in the templates and the code names a message.
    #[test]
    fn every_key_used_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = BTreeSet::new();
        for sub in ["templates", "src"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for marker in [".t(\"", ".t_with(\""] {
                    for part in text.split(marker).skip(1) {
                        let key = part.split('"').next().unwrap();
                        if key.contains('.') && !key.contains(' ') {
                            used.insert(key.to_owned());
                        }
                    }
                }
            }
        }
        assert!(used.len() > 20, "found too few keys: {used:?}");
        let id = keys(Lang::Id);
        let missing: Vec<_> = used.iter().filter(|k| !id.contains(*k)).collect();
        assert!(missing.is_empty(), "keys used but missing from the catalogues: {missing:?}");
    }

    /// Keys the code builds from a value (`sort.{value}`, `error.{status}.title`, …).
    #[test]
    fn every_built_key_exists() {
        let mut built = vec!["lang.name".to_owned()];
        for status in [400, 403, 404, 405, 409, 413, 429, 500, 503] {
            built.push(format!("error.{status}.title"));
            built.push(format!("error.{status}.text"));
        }
        for (sort, _) in pasar_catalog::search::Sort::ALL {
            built.push(format!("sort.{sort}"));
        }
        for form in ["perorangan", "ud", "cv", "pt", "firma", "koperasi", "bumdes"] {
            built.push(format!("legal_form.{form}"));
        }
        for scale in ["mikro", "kecil", "menengah", "besar"] {
            built.push(format!("scale.{scale}"));
        }
        for lang in Lang::ALL {
            let missing: Vec<_> = built.iter().filter(|k| catalogue(lang).get(k).is_none()).collect();
            assert!(missing.is_empty(), "{}: missing {missing:?}", lang.code());
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert!(t_with(Lang::En, "login.throttled", &[("seconds", "30")]).contains("30"));
        assert_eq!(t(Lang::Id, "no.such.key"), "no.such.key");
    }
}
