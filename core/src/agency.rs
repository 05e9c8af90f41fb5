//! The agency catalogue and the resolution of the plan's free-text agency
//! columns ("Sở Y tế; Sở giáo dục và Đào tạo") into catalogue references.

use serde::{Deserialize, Serialize};

use crate::plan::{Plan, Task};
use crate::units::{Level, Unit};

pub type AgencyId = String;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub id: AgencyId,
    /// Display name (canonical spelling).
    pub name: String,
    /// Government level the agency sits at.
    pub level: Level,
    /// people_committee, department, press, fatherland_front, ...
    pub kind: String,
    /// Other spellings the plan uses for the same body. Matching is also
    /// case-insensitive, so "Việt nam" and "Việt Nam" need no alias.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Collective agencies this one belongs to (every department is one of
    /// "Các sở, ban, ngành").
    #[serde(default)]
    pub member_of: Vec<AgencyId>,
}

/// A phrase that names several agencies at once
/// ("Hội đồng nhân dân và Ủy ban MTTQ Việt Nam cấp tỉnh, cấp huyện").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyGroup {
    pub text: String,
    pub agencies: Vec<AgencyId>,
}

/// Resolve an agency column into catalogue ids, in order of mention, without
/// duplicates. The text is consumed left to right by the longest known name,
/// alias or group phrase (case-insensitive); between names only separators
/// (`,` `;` whitespace and the word "và") may stand. Returns the text that
/// could not be consumed as the error.
pub fn resolve_agencies(
    text: &str,
    agencies: &[Agency],
    groups: &[AgencyGroup],
) -> Result<Vec<AgencyId>, String> {
    let mut phrases: Vec<(String, Vec<&str>)> = Vec::new();
    for a in agencies {
        for name in std::iter::once(&a.name).chain(a.aliases.iter()) {
            phrases.push((name.to_lowercase(), vec![a.id.as_str()]));
        }
    }
    for g in groups {
        phrases.push((
            g.text.to_lowercase(),
            g.agencies.iter().map(String::as_str).collect(),
        ));
    }
    // Work on the lowercased text but report leftovers from the original, so
    // keep a char-aligned view of both.
    let orig: Vec<char> = text.chars().collect();
    let lower: Vec<char> = orig
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let phrases: Vec<(Vec<char>, Vec<&str>)> = phrases
        .into_iter()
        .map(|(p, ids)| {
            (
                p.chars()
                    .map(|c| c.to_lowercase().next().unwrap_or(c))
                    .collect(),
                ids,
            )
        })
        .collect();
    let mut out: Vec<AgencyId> = Vec::new();
    let mut i = 0;
    while i < lower.len() {
        let c = lower[i];
        if c == ',' || c == ';' || c.is_whitespace() {
            i += 1;
            continue;
        }
        if lower[i..].starts_with(&['v', 'à', ' ']) {
            i += 3;
            continue;
        }
        let best = phrases
            .iter()
            .filter(|(p, _)| lower[i..].starts_with(p))
            .filter(|(p, _)| lower.get(i + p.len()).is_none_or(|c| !c.is_alphanumeric()))
            .max_by_key(|(p, _)| p.len());
        match best {
            Some((p, ids)) => {
                for id in ids {
                    if !out.iter().any(|o| o == id) {
                        out.push(id.to_string());
                    }
                }
                i += p.len();
            }
            None => return Err(orig[i..].iter().collect::<String>().trim().to_string()),
        }
    }
    Ok(out)
}

/// A unit's part in a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Chủ trì.
    Lead,
    /// Phối hợp.
    Coordinating,
    /// Neither: the plan does not assign the task to the unit (serialised
    /// as `none`, its earlier name).
    #[serde(rename = "none")]
    Unassigned,
}

impl Role {
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Lead => "Chủ trì",
            Role::Coordinating => "Phối hợp",
            Role::Unassigned => "Không được giao",
        }
    }
}

impl Plan {
    /// The catalogue agencies a unit acts as: its own People's Committee (or
    /// Sở Nội vụ for the province office) and the collectives it belongs to.
    pub fn agencies_of(&self, unit: &Unit) -> Vec<&str> {
        let key = match unit.level {
            Level::Commune => "commune",
            Level::District => "district",
            Level::Province => "province",
        };
        let own: Vec<&str> = match &unit.agency {
            // A provincial body acts as itself (and the groups it belongs to).
            Some(a) => self
                .agency(a)
                .map(|x| vec![x.id.as_str()])
                .unwrap_or_default(),
            None => self
                .role_agencies
                .get(key)
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect(),
        };
        let mut ids: Vec<&str> = Vec::new();
        for id in own {
            let mut stack = vec![id];
            while let Some(id) = stack.pop() {
                if ids.contains(&id) {
                    continue;
                }
                ids.push(id);
                if let Some(a) = self.agency(id) {
                    stack.extend(a.member_of.iter().map(String::as_str));
                }
            }
        }
        ids
    }

    /// This unit's role in a task: lead wins over coordinating.
    pub fn role_of(&self, unit: &Unit, task: &Task) -> Role {
        let mine = self.agencies_of(unit);
        let hit = |ids: &[AgencyId]| ids.iter().any(|id| mine.contains(&id.as_str()));
        if hit(&task.lead.agencies) {
            Role::Lead
        } else if hit(&task.coordinating.agencies) {
            Role::Coordinating
        } else {
            Role::Unassigned
        }
    }

    /// The tasks a unit leads and those it coordinates, in plan order.
    pub fn tasks_by_role<'a>(&'a self, unit: &Unit) -> (Vec<&'a Task>, Vec<&'a Task>) {
        let mut lead = Vec::new();
        let mut coord = Vec::new();
        for t in self.tasks() {
            match self.role_of(unit, t) {
                Role::Lead => lead.push(t),
                Role::Coordinating => coord.push(t),
                Role::Unassigned => {}
            }
        }
        (lead, coord)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan::from_json(crate::BAC_KAN_124_2020).unwrap()
    }

    #[test]
    fn every_agency_text_of_all_42_rows_resolves_with_nothing_left_over() {
        let p = plan();
        let mut n = 0;
        for t in p.tasks() {
            for cell in [&t.lead, &t.coordinating] {
                let ids = resolve_agencies(&cell.text, &p.agencies, &p.agency_groups)
                    .unwrap_or_else(|left| panic!("task {}: left over {left:?}", t.id));
                assert!(!ids.is_empty(), "task {} resolves to nothing", t.id);
                assert_eq!(ids, cell.agencies, "task {}", t.id);
            }
            n += 1;
        }
        assert_eq!(n, 42);
    }

    #[test]
    fn variant_spellings_resolve_to_one_agency() {
        let p = plan();
        let r = |s: &str| resolve_agencies(s, &p.agencies, &p.agency_groups).unwrap();
        assert_eq!(
            r("Sở Tài nguyên môi trường"),
            r("Sở Tài nguyên và Môi trường")
        );
        assert_eq!(r("Sở Tài nguyên môi trường"), vec!["so-tnmt"]);
        assert_eq!(r("Các sở, ngành"), r("Các sở, ban, ngành"));
        assert_eq!(
            r("Ủy ban Mặt trận Tổ quốc Việt nam các cấp thuộc tỉnh"),
            r("Ủy ban Mặt trận Tổ quốc Việt Nam các cấp thuộc tỉnh")
        );
        assert_eq!(r("Sở giáo dục và Đào tạo"), vec!["so-gddt"]);
        assert_eq!(
            r("Sở Y tế; Sở giáo dục và Đào tạo"),
            vec!["so-y-te".to_string(), "so-gddt".to_string()]
        );
    }

    #[test]
    fn a_name_inside_a_longer_word_does_not_match() {
        let p = plan();
        // "Sở Y tếx" must not resolve as "Sở Y tế" followed by garbage.
        assert_eq!(
            resolve_agencies("Sở Y tếx", &p.agencies, &p.agency_groups),
            Err("Sở Y tếx".to_string())
        );
        assert_eq!(
            resolve_agencies("Sở Y tế và Bộ Quốc phòng", &p.agencies, &p.agency_groups),
            Err("Bộ Quốc phòng".to_string())
        );
    }

    #[test]
    fn named_bodies_are_in_the_catalogue() {
        let p = plan();
        for name in [
            "Thanh tra tỉnh",
            "Sở Tài nguyên và Môi trường",
            "Sở Y tế",
            "Sở Giáo dục và Đào tạo",
            "Sở Nội vụ",
            "Sở Xây dựng",
            "Sở Công thương",
            "Sở Nông nghiệp và Phát triển nông thôn",
            "Sở Thông tin và Truyền thông",
            "Trung tâm trợ giúp pháp lý (Sở Tư pháp)",
            "Bảo hiểm xã hội tỉnh",
            "Công an tỉnh",
            "Báo Bắc Kạn",
            "Ban thanh tra nhân dân cấp xã",
            "Đài Phát thanh và Truyền hình tỉnh",
            "UBND các xã, phường, thị trấn",
            "UBND các huyện, thành phố",
            "Các sở, ban, ngành",
        ] {
            assert!(p.agencies.iter().any(|a| a.name == name), "{name} missing");
        }
        for kind in ["fatherland_front", "peoples_council", "press"] {
            assert!(
                p.agencies.iter().filter(|a| a.kind == kind).count() >= 2,
                "{kind}"
            );
        }
    }
}
