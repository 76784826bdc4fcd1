//! The incident report (网络安全事件报告) as `.docx`: unit, times, type,
//! grade, impact, cause, measures taken, contacts, the steps of the clock,
//! and every supplement (续报) after it. Once closed, the same document is
//! the closing report (处置总结报告).

use crate::incidents::rules::{EventKind, IncidentState};
use crate::incidents::service::incidents;
use crate::platform::access::Principal;
use crate::platform::error::{CoreError, Result};
use crate::platform::store::Store;
use chrono::{DateTime, Utc};
use wangan_office::{FormDocument, FormRow};

pub async fn report_docx(store: &Store, who: &Principal, id: i64) -> Result<(String, Vec<u8>)> {
    let d = incidents::get(store, who, id).await?;
    let events = incidents::timeline(store, who, id).await?;
    let tz = store.notice_policy().time_zone;
    let at = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y年%m月%d日 %H:%M").to_string();
    let i = &d.incident;
    let closed = i.state == IncidentState::Closed;
    let grade = match i.grade {
        Some(g) => g.zh().to_owned(),
        None => format!("未定级（平台建议：{}）", i.suggested_grade.zh()),
    };
    let systems = d.systems.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join("、");
    let steps = d
        .clock
        .iter()
        .map(|c| {
            let done = d.steps.iter().find(|s| s.step == c.step);
            match done {
                Some(s) if s.note.is_empty() => format!("{}：{}（{}）", c.step.zh(), at(s.done_at), s.done_by),
                Some(s) => format!("{}：{}（{}）{}", c.step.zh(), at(s.done_at), s.done_by, s.note),
                None => format!(
                    "{}：未完成{}",
                    c.step.zh(),
                    c.due_at.map(|d| format!("（时限 {}）", at(d))).unwrap_or_default()
                ),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let evidence = d
        .evidence
        .iter()
        .map(|e| format!("{}（SHA-256 {}，{} 于 {} 留存）", e.file_name, e.sha256, e.collected_by, at(e.collected_at)))
        .collect::<Vec<_>>()
        .join("\n");
    let mut rows = vec![
        FormRow::Pairs(vec![("报告单位".into(), i.unit_name.clone()), ("事件编号".into(), format!("#{}", i.id))]),
        FormRow::Pairs(vec![("事件类型".into(), i.kind.zh().into()), ("事件级别".into(), grade)]),
        FormRow::Pairs(vec![
            ("发现时间".into(), at(i.detected_at)),
            ("关键信息基础设施".into(), if i.cii { "是" } else { "否" }.into()),
        ]),
        FormRow::Pairs(vec![("涉及系统".into(), systems)]),
        FormRow::Block { label: "事件概况".into(), text: format!("{}\n{}", i.title, d.description), min_lines: 3 },
        FormRow::Block { label: "影响范围".into(), text: d.impact.clone(), min_lines: 2 },
        FormRow::Block { label: "处置与报告".into(), text: steps, min_lines: 3 },
        FormRow::Block { label: "事件原因".into(), text: d.cause.clone(), min_lines: 2 },
        FormRow::Block { label: "已采取措施".into(), text: d.measures.clone(), min_lines: 2 },
        FormRow::Block { label: "证据留存".into(), text: evidence, min_lines: 1 },
        FormRow::Pairs(vec![("联系人及电话".into(), d.contacts.clone())]),
    ];
    for (n, e) in events.iter().filter(|e| e.kind == EventKind::Supplement).enumerate() {
        rows.push(FormRow::Block {
            label: format!("续报{}（{}）", n + 1, at(e.at)),
            text: format!("{}\n（{}）", e.text, e.by),
            min_lines: 1,
        });
    }
    if closed {
        rows.push(FormRow::Pairs(vec![
            ("结案时间".into(), i.closed_at.map(at).unwrap_or_default()),
            ("结案人".into(), d.closed_by.clone()),
        ]));
    }
    let doc = store.documents();
    let form = FormDocument {
        title: format!("{}网络安全事件{}", doc.institution, if closed { "处置总结报告" } else { "报告" }),
        subtitle: format!("报告时间：{}", at(store.now())),
        rows,
        after: vec![
            format!("报告单位（盖章）：{}", i.unit_name),
            "单位负责人（签字）：                    日期：".into(),
        ],
    };
    let bytes = wangan_office::write_form_docx(&form).map_err(|e| CoreError::Internal(e.to_string()))?;
    let kind = if closed { "网络安全事件总结报告" } else { "网络安全事件报告" };
    Ok((format!("{kind}-{}-{}.docx", i.unit_name, i.id), bytes))
}
