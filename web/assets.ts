// The stylesheet and the little plain JavaScript of the pages (served from /static/, CSP 'self').

export const CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC","WenQuanYi Micro Hei",sans-serif;font-size:15px;color:#1f2933;background:#f4f6f8;line-height:1.55}
a{color:#1f5fa0}
header.top{background:#1f4e79;color:#fff;display:flex;align-items:center;gap:24px;padding:0 24px;height:52px}
header.top .brand{font-weight:700;font-size:18px;letter-spacing:1px}
header.top nav a{color:#dbe8f5;text-decoration:none;margin-right:18px;padding:14px 0}
header.top nav a.on{color:#fff;border-bottom:3px solid #f5b041}
header.top .who{margin-left:auto;font-size:14px;display:flex;gap:12px;align-items:center}
header.top .who>span{max-width:42vw;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
header.top .who button{background:transparent;border:1px solid #9fc1e3;color:#fff;border-radius:4px;padding:3px 10px;cursor:pointer}
main{padding:16px 24px;max-width:1400px;min-width:0}
td,dd{overflow-wrap:anywhere}
h1{font-size:22px;margin:0 0 12px}
h2{font-size:17px;margin:22px 0 10px;border-left:4px solid #1f4e79;padding-left:8px}
.card{background:#fff;border:1px solid #d9dee4;border-radius:6px;padding:14px 16px;margin-bottom:14px}
.muted{color:#67727e;font-size:13px}
.chips{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 14px}
.chip{background:#fff;border:1px solid #ccd3da;border-radius:6px;padding:6px 12px;text-decoration:none;color:#1f2933}
.chip b{font-size:18px;margin-left:6px}
.chip.on{border-color:#1f4e79;background:#e8f0f8}
.chip .od{color:#c0392b;font-size:13px;margin-left:6px}
form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
form.filters label{display:flex;flex-direction:column;font-size:13px;color:#4a5561}
select,input[type=text],input[type=password],input[type=date],input[type=search],textarea{font:inherit;padding:5px 8px;border:1px solid #b8c2cc;border-radius:4px;background:#fff}
button,.btn{font:inherit;padding:6px 14px;border-radius:4px;border:1px solid #1f4e79;background:#1f4e79;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.btn.secondary{background:#fff;color:#1f4e79}
button.danger{background:#c0392b;border-color:#c0392b}
button.link{background:none;border:none;color:#1f5fa0;padding:0 4px;text-decoration:underline;font-size:13px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e7eb;padding:7px 8px;text-align:left;vertical-align:top}
th{background:#eef2f6;font-weight:600;font-size:14px;white-space:nowrap}
tr:hover td{background:#fafcff}
.tag{display:inline-block;padding:1px 8px;border-radius:10px;font-size:13px;white-space:nowrap}
.t-REMOVE{background:#fde2e1;color:#9b2c2c;border:1px solid #c0392b}.t-ADD{background:#e1f0e5;color:#23663a;border:1px solid #2e8b57}.t-URGENT{background:#fdebd7;color:#8a4b00;border:1px solid #d9822b}
.t-RECLASSIFY{background:#efe4f7;color:#5b3a7a;border:1px solid #7d5ba6}.t-EDUCATION{background:#e2eef9;color:#1f4e79;border:1px solid #2f6fb0}.t-WATCH{background:#f1f1f1;color:#555;border:1px solid #8c8c8c}
.s-pending{background:#fff4d6;color:#7a5a00}.s-awaiting_approval{background:#ffe3c2;color:#8a4b00}.s-confirmed,.s-approved{background:#dff3e4;color:#23663a}
.s-rejected{background:#eee;color:#555}.s-needs_info{background:#e2eef9;color:#1f4e79}
.overdue{color:#c0392b;font-weight:600}
.sla-ok{color:#23663a}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.mark{font-size:12px;margin-left:6px}
dl.kv{display:grid;grid-template-columns:10em 1fr;gap:4px 12px;margin:0}
.card.registry dl.kv{grid-template-columns:9em 1fr 9em 1fr}
dl.kv dt{color:#67727e}
dl.kv dd{margin:0}
.restricted{color:#7d5ba6;font-style:italic}
.idv{font-family:Consolas,"Courier New",monospace;letter-spacing:.5px}
.actions{display:flex;gap:10px;flex-wrap:wrap;align-items:flex-start}
.decide textarea{width:100%;min-height:60px}
.msg{padding:8px 12px;border-radius:4px;margin:8px 0}
.msg.err{background:#fde2e1;color:#9b2c2c}.msg.ok{background:#dff3e4;color:#23663a}
.login{max-width:380px;margin:80px auto;background:#fff;border:1px solid #d9dee4;border-radius:8px;padding:28px}
.login label{display:block;margin:12px 0 4px}
.login input{width:100%}
svg.chart{max-width:100%;height:auto;font-family:inherit}
svg .ttl{font-size:14px;font-weight:600;fill:#1f2933}
svg .lbl{font-size:13px;fill:#1f2933}
svg .val{font-size:12px;fill:#1f2933}
svg .sub{font-size:11px;fill:#67727e}
.back{margin:0 0 6px}
.card.summary{padding:10px 16px}
dl.kv.kv3{grid-template-columns:max-content minmax(0,1fr) max-content minmax(0,1fr) max-content minmax(0,1fr);gap:2px 12px}
.card.evidence h3,.card.standing h3,.card.school h3,.card.parents h3{font-size:16px;margin:0 0 8px}
.card.evidence h4{font-size:14px;margin:0 0 6px;color:#4a5561}
.ev-grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px}
dl.kv.facts{grid-template-columns:8em 1fr}
dd.used{background:#fff3c4;font-weight:600;border-radius:3px;padding:0 4px}
.used-mark{font-size:12px;font-weight:400;color:#8a6d00;margin-left:8px}
table.cmp td,table.cmp th{padding:4px 8px;font-size:14px}
table.cmp tr.same td:nth-child(n+2){background:#eefaf1}
table.cmp tr.different td:nth-child(n+2){background:#fff0ee;color:#9b2c2c;font-weight:600}
table.cmp tr.missing td:nth-child(n+2){color:#8c8c8c}
p.match{margin:8px 0 4px;font-size:14px}
p.match.exact{color:#23663a}
p.match.weak{color:#9b2c2c}
details.tech>summary,details>summary{cursor:pointer;color:#1f5fa0;font-size:13px}
details.card.registry>summary{color:inherit;font-size:15px}
.routed{background:#f3edf9;border:1px solid #cdb8e6;color:#5b3a7a;padding:10px;border-radius:4px}
.hidden-ev{border-style:dashed}
.warn{background:#fff4d6;border:1px solid #f0d48a;padding:6px 10px;border-radius:4px}
.src{margin:6px 0 0}
table.audit{table-layout:fixed}
table.audit td{font-size:14px}
table.audit td.when{white-space:nowrap}
.pager{display:flex;gap:12px;align-items:center;margin:10px 0}
pre.trace{background:#f7f9fb;border:1px solid #e3e7eb;padding:10px;white-space:pre-wrap;font-size:13px}
.bulk{display:flex;gap:10px;align-items:center;margin:10px 0;flex-wrap:wrap}
.bulk input[type=text]{min-width:280px}
.listbar{display:flex;flex-wrap:wrap;gap:12px;align-items:center;justify-content:space-between;margin:8px 0}
.pager{display:flex;flex-wrap:wrap;gap:10px;align-items:center;font-size:14px}
form.inline{display:inline-flex;gap:8px;align-items:center;margin:0}
th a.sort{color:inherit;text-decoration:none}th a.sort.on{color:#1f4e79}
tr.not-todo td{color:#67727e}
.answer textarea{width:100%;min-height:50px}
`;

export const JS = `
(function(){
  var meta=document.querySelector('meta[name="csrf-token"]');
  var csrf=meta?meta.getAttribute('content'):'';
  function post(url,body){
    return fetch(url,{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/json','X-CSRF-Token':csrf},body:JSON.stringify(body||{})})
      .then(function(r){return r.json().catch(function(){return {};}).then(function(j){if(!r.ok){throw new Error(j.error||('请求失败（'+r.status+'）'));}return j;});});
  }
  function show(el,text,ok){
    var box=el.querySelector('.msg')||document.getElementById('msg');
    if(!box){alert(text);return;}
    box.textContent=text;box.className='msg '+(ok?'ok':'err');box.hidden=false;
  }
  document.addEventListener('click',function(ev){
    var b=ev.target.closest('[data-post]');
    if(!b)return;
    ev.preventDefault();
    if(b.dataset.confirm&&!window.confirm(b.dataset.confirm))return;
    var body=b.dataset.body?JSON.parse(b.dataset.body):{};
    post(b.dataset.post,body).then(function(j){
      if(b.dataset.reveal){var t=document.getElementById(b.dataset.reveal);if(t){t.textContent=j.id;}b.remove();return;}
      location.reload();
    }).catch(function(e){show(document,e.message,false);});
  });
  document.addEventListener('submit',function(ev){
    var f=ev.target;
    if(!f.matches||!f.matches('form[data-api]'))return;
    ev.preventDefault();
    var body={};
    new FormData(f).forEach(function(v,k){
      if(k==='flagIds'){(body[k]=body[k]||[]).push(v);}else if(v!==''){body[k]=v;}
    });
    if(f.dataset.ids){body.flagIds=[];document.querySelectorAll('input[name="sel"]:checked').forEach(function(c){body.flagIds.push(c.value);});
      if(!body.flagIds.length){show(f,'请先勾选标记',false);return;}}
    if(f.dataset.confirm&&!window.confirm(f.dataset.confirm))return;
    post(f.dataset.api,body).then(function(j){
      if(f.dataset.result){
        var out=document.getElementById(f.dataset.result);out.innerHTML='';
        (j.files||[]).forEach(function(file){var li=document.createElement('li');var a=document.createElement('a');a.href=file.url;a.textContent=file.name;li.appendChild(a);li.appendChild(document.createTextNode('（'+file.rows+' 行'+(file.purpose?'；'+file.purpose:'')+'）'));out.appendChild(li);});
        show(f,'导出完成',true);return;
      }
      location.reload();
    }).catch(function(e){show(f,e.message,false);});
  });
  var all=document.getElementById('sel-all');
  if(all){all.addEventListener('change',function(){document.querySelectorAll('input[name="sel"]').forEach(function(c){c.checked=all.checked;});});}
})();
`;

/** The flag page's rules' trace, loaded when its <details> is opened. */
export const TRACE_JS = `
(function(){var d=document.getElementById('trace');if(!d)return;var done=false;d.addEventListener('toggle',function(){if(done||!d.open)return;done=true;var pre=document.getElementById('trace-body');
fetch(pre.dataset.src,{credentials:'same-origin'}).then(function(r){return r.json();}).then(function(j){pre.textContent=j.available?j.lines.join('\\n'):j.message;}).catch(function(){pre.textContent='加载失败';});});})();
`;
