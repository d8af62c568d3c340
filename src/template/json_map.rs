//! The objects of the JSON tree ([`super::json::Json`]) and the maps of the template
//! model ([`super::Value::Map`], a resource's properties): entries in the order written,
//! looked up by key.
//!
//! Nearly every object of a template is small: a resource's `Properties`, a policy
//! statement, a tag, an intrinsic function of one key. A hash table for each of them
//! (which `IndexMap` builds) costs an allocation and more to fill and free than looking
//! through a few keys does. So an object is a vector of entries, searched in order while
//! it is small; from [`INDEXED_FROM`] entries on (a template's `Resources`, `Outputs`)
//! it also keeps a hash table of positions, so that looking up a resource stays
//! constant-time at any size.

use std::fmt;

use hashbrown::HashTable;
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::json::{Json, Text};
use super::value::MapHasher;
use std::hash::BuildHasher;

/// The size from which an object keeps a hash table of its keys' positions.
pub const INDEXED_FROM: usize = 12;

/// A map from string keys to `V` that keeps its entries in the order written. Equality
/// ignores the order of the keys, as serde_json's and `IndexMap`'s do; iteration and
/// printing follow it.
#[derive(Clone)]
pub struct TextMap<V> {
    entries: Vec<(Text, V)>,
    /// Positions in `entries` by key, kept from [`INDEXED_FROM`] entries on.
    index: Option<Box<Index>>,
}

/// An object of the JSON tree.
pub type JsonMap = TextMap<Json>;

impl<V> Default for TextMap<V> {
    fn default() -> Self {
        TextMap {
            entries: Vec::new(),
            index: None,
        }
    }
}

#[derive(Clone)]
struct Index {
    positions: HashTable<usize>,
    hasher: MapHasher,
}

impl Index {
    /// The positions of `entries`, with room for `capacity` of them: the capacity the
    /// map was made with, so that a map filled to the size it was made for (a template's
    /// `Resources`) never grows its table.
    fn of<V>(entries: &[(Text, V)], capacity: usize) -> Index {
        let mut index = Index {
            positions: HashTable::with_capacity(capacity.max(entries.len())),
            hasher: MapHasher::default(),
        };
        for i in 0..entries.len() {
            index.add(entries, i);
        }
        index
    }

    /// Records the position of `entries[i]`, a key not recorded yet.
    fn add<V>(&mut self, entries: &[(Text, V)], i: usize) {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(entries[i].0.as_str());
        self.positions
            .insert_unique(hash, i, |&j| hasher.hash_one(entries[j].0.as_str()));
    }

    fn find<V>(&self, entries: &[(Text, V)], key: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(key);
        self.positions.find(hash, |&i| entries[i].0 == key).copied()
    }
}

impl<V> TextMap<V> {
    /// An empty map with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> TextMap<V> {
        TextMap {
            entries: Vec::with_capacity(capacity),
            index: None,
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.find(&self.entries, key),
            None => self.entries.iter().position(|(k, _)| k == key),
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// The value of `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` is there.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`: in its place when the key is there (returning the old
    /// value), else as the last entry.
    pub fn insert(&mut self, key: impl Into<Text>, value: V) -> Option<V> {
        let key = key.into();
        if let Some(i) = self.position(&key) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        self.push_new(key, value);
        None
    }

    /// Appends an entry whose key is not there: for the maps of the template model,
    /// whose keys are unique by construction, without looking for it first. A repeated
    /// key would be written twice, so debug builds (every test) check.
    pub(crate) fn push_unique(&mut self, key: Text, value: V) {
        debug_assert!(
            !self.contains_key(&key),
            "the key {key:?} is already in the object"
        );
        self.push_new(key, value);
    }

    /// The map of `entries`, whose keys are unique (a map's, or a fixed set of keys),
    /// in their order: for the JSON tree built from the model, filled in one pass
    /// without a lookup or an index check for each entry. Debug builds (every test)
    /// check that the keys are unique.
    pub(crate) fn from_unique(entries: Vec<(Text, V)>) -> TextMap<V> {
        debug_assert!(
            {
                let mut seen = std::collections::HashSet::with_capacity(entries.len());
                entries.iter().all(|(k, _)| seen.insert(k.as_str()))
            },
            "a key is in the entries twice"
        );
        let mut map = TextMap {
            entries,
            index: None,
        };
        if map.entries.len() >= INDEXED_FROM {
            map.reindex();
        }
        map
    }

    /// Appends an entry whose key is known not to be there.
    fn push_new(&mut self, key: Text, value: V) {
        let i = self.entries.len();
        self.entries.push((key, value));
        match &mut self.index {
            Some(index) => index.add(&self.entries, i),
            None if self.entries.len() >= INDEXED_FROM => {
                self.index = Some(Box::new(Index::of(&self.entries, self.entries.capacity())));
            }
            None => {}
        }
    }

    /// The value of `key`, added as the last entry with the value `default` makes when it
    /// is not there.
    pub fn get_or_insert_with(&mut self, key: &str, default: impl FnOnce() -> V) -> &mut V {
        let i = match self.position(key) {
            Some(i) => i,
            None => {
                self.push_new(Text::from(key), default());
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    /// Removes `key`, keeping the order of the others, and returns its value.
    pub fn shift_remove(&mut self, key: &str) -> Option<V> {
        let i = self.position(key)?;
        let (_, value) = self.entries.remove(i);
        self.reindex();
        Some(value)
    }

    /// Keeps the entries for which `keep` holds, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&Text, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
        self.reindex();
    }

    fn reindex(&mut self) {
        self.index =
            (self.entries.len() >= INDEXED_FROM).then(|| Box::new(Index::of(&self.entries, 0)));
    }

    /// The entries in order.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter(self.entries.iter())
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Text> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl JsonMap {
    /// The value of `key`, added as `null` when it is not there.
    pub fn entry_or_null(&mut self, key: &str) -> &mut Json {
        self.get_or_insert_with(key, || Json::Null)
    }
}

/// The entries of a [`TextMap`] in order, as `(&key, &value)`.
#[derive(Clone, Debug)]
pub struct Iter<'a, V>(std::slice::Iter<'a, (Text, V)>);

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a Text, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<V> ExactSizeIterator for Iter<'_, V> {}

impl<'a, V> IntoIterator for &'a TextMap<V> {
    type Item = (&'a Text, &'a V);
    type IntoIter = Iter<'a, V>;

    fn into_iter(self) -> Iter<'a, V> {
        self.iter()
    }
}

impl<V> IntoIterator for TextMap<V> {
    type Item = (Text, V);
    type IntoIter = std::vec::IntoIter<(Text, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Into<Text>, V> FromIterator<(K, V)> for TextMap<V> {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> TextMap<V> {
        let iter = iter.into_iter();
        let mut map = TextMap::with_capacity(iter.size_hint().0);
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl<V> std::ops::Index<&str> for TextMap<V> {
    type Output = V;

    /// The value of `key`; panics when it is not there, as a map's indexing does.
    fn index(&self, key: &str) -> &V {
        self.get(key)
            .unwrap_or_else(|| panic!("no key {key:?} in the object"))
    }
}

impl<V> std::ops::IndexMut<&str> for TextMap<V> {
    /// The value of `key`, mutably; panics when it is not there, as a map's indexing does.
    fn index_mut(&mut self, key: &str) -> &mut V {
        self.get_mut(key)
            .unwrap_or_else(|| panic!("no key {key:?} in the object"))
    }
}

impl<V: PartialEq> PartialEq for TextMap<V> {
    fn eq(&self, other: &TextMap<V>) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<V: fmt::Debug> fmt::Debug for TextMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V: Serialize> Serialize for TextMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            out.serialize_entry(k.as_str(), v)?;
        }
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> JsonMap {
        (0..n)
            .map(|i| (format!("key{i}"), Json::from(i as u64)))
            .collect()
    }

    #[test]
    fn lookups_agree_below_and_above_the_indexed_size() {
        for n in [0, 1, INDEXED_FROM - 1, INDEXED_FROM, INDEXED_FROM + 1, 200] {
            let mut map = numbered(n);
            assert_eq!(map.index.is_some(), n >= INDEXED_FROM, "{n} entries");
            for i in 0..n {
                assert_eq!(map.get(&format!("key{i}")), Some(&Json::from(i as u64)));
            }
            assert_eq!(map.get("key"), None);
            assert_eq!(map.get(&format!("key{n}")), None);
            assert_eq!(map.insert("key0", Json::Null).is_some(), n > 0);
            assert_eq!(map.len(), n.max(1));
            let order: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
            let expected: Vec<String> = (0..n.max(1)).map(|i| format!("key{i}")).collect();
            assert_eq!(
                order, expected,
                "insertion order, a replaced value in its place"
            );
        }
    }

    #[test]
    fn removing_keeps_the_order_and_the_lookups() {
        for n in [3, INDEXED_FROM, INDEXED_FROM + 5] {
            let mut map = numbered(n);
            assert_eq!(map.shift_remove("key1"), Some(Json::from(1u64)));
            assert_eq!(map.shift_remove("key1"), None);
            assert_eq!(map.get("key2"), Some(&Json::from(2u64)));
            assert_eq!(map.keys().next().map(|k| k.as_str()), Some("key0"));
            assert_eq!(map.keys().nth(1).map(|k| k.as_str()), Some("key2"));
            map.retain(|k, _| k != "key0");
            assert_eq!(map.get("key0"), None);
            assert_eq!(
                map.get(&format!("key{}", n - 1)),
                Some(&Json::from((n - 1) as u64))
            );
            assert_eq!(map.len(), n - 2);
            *map.entry_or_null("new") = Json::Bool(true);
            assert_eq!(map.get("new"), Some(&Json::Bool(true)));
            assert_eq!(map.keys().last().map(|k| k.as_str()), Some("new"));
        }
    }

    #[test]
    fn a_map_from_unique_entries_finds_each_below_and_above_the_indexed_size() {
        for n in [0, 1, INDEXED_FROM - 1, INDEXED_FROM, 200] {
            let entries: Vec<(Text, Json)> = (0..n)
                .map(|i| (Text::from(format!("key{i}")), Json::from(i as u64)))
                .collect();
            let mut map = JsonMap::from_unique(entries);
            assert_eq!(map.index.is_some(), n >= INDEXED_FROM, "{n} entries");
            assert_eq!(map, numbered(n));
            for i in 0..n {
                assert_eq!(map.get(&format!("key{i}")), Some(&Json::from(i as u64)));
            }
            assert_eq!(map.get(&format!("key{n}")), None);
            map.insert("later", Json::Null);
            assert_eq!(map.get("later"), Some(&Json::Null));
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a key is in the entries twice")]
    fn a_repeated_key_among_unique_entries_is_caught_in_debug_builds() {
        let _ = JsonMap::from_unique(vec![
            (Text::from("a"), Json::Null),
            (Text::from("b"), Json::Null),
            (Text::from("a"), Json::Null),
        ]);
    }

    #[test]
    fn get_or_insert_with_adds_only_a_missing_key() {
        for n in [2, INDEXED_FROM + 1] {
            let mut map = numbered(n);
            *map.get_or_insert_with("key1", || unreachable!("key1 is there")) = Json::Null;
            assert_eq!(map.get("key1"), Some(&Json::Null));
            assert_eq!(map.len(), n);
            *map.get_or_insert_with("added", || Json::from(7u64)) = Json::Bool(false);
            assert_eq!(map.get("added"), Some(&Json::Bool(false)));
            assert_eq!(map.keys().last().map(|k| k.as_str()), Some("added"));
            assert_eq!(map.len(), n + 1);
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "is already in the object")]
    fn a_key_appended_twice_as_unique_is_caught_in_debug_builds() {
        let mut map = numbered(3);
        map.push_unique(Text::from("key1"), Json::Null);
    }

    #[test]
    fn equality_ignores_the_order_of_the_keys() {
        let forward = numbered(INDEXED_FROM + 2);
        let backward: JsonMap = forward.clone().into_iter().rev().collect();
        assert_eq!(forward, backward);
        let mut other = forward.clone();
        other.insert("key3", Json::Null);
        assert_ne!(forward, other);
    }
}
